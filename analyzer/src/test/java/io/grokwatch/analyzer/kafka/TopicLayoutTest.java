package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The state changelog the analyzer creates, and the input layout it refuses. */
class TopicLayoutTest {

    @Test
    void theChangelogIsCompactedInSmallSegmentsSoARestartReadsLittle() throws Exception {
        try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2);
                AnalyzerService analyzer = AnalyzerService.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .groupId("layout")
                        .instanceId("layout-1")
                        .build()
                        .start();
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            String topic = StateChangelog.topicFor("layout");
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
            assertThat(config.get(TopicConfig.SEGMENT_BYTES_CONFIG).value())
                    .isEqualTo(Integer.toString(StateChangelog.SEGMENT_BYTES));
            assertThat(admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions())
                    .hasSize(2);
        }
    }

    @Test
    void anOlderChangelogGetsSmallSegmentsUnlessItsOwnerChoseASize() throws Exception {
        try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            String older = StateChangelog.topicFor("layout-older");
            String chosen = StateChangelog.topicFor("layout-chosen");
            admin.createTopics(List.of(
                            new NewTopic(older, 2, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                            new NewTopic(chosen, 2, (short) 1)
                                    .configs(Map.of("cleanup.policy", "compact", "segment.bytes", "16777216"))))
                    .all()
                    .get();
            for (String group : List.of("layout-older", "layout-chosen")) {
                AnalyzerService.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .groupId(group)
                        .instanceId(group + "-1")
                        .build()
                        .start()
                        .close();
            }
            assertThat(segmentBytes(admin, older)).isEqualTo(Integer.toString(StateChangelog.SEGMENT_BYTES));
            assertThat(segmentBytes(admin, chosen)).isEqualTo("16777216");
        }
    }

    private static boolean fiveLedPartitions(Admin admin) throws InterruptedException {
        try {
            var parts = admin.describeTopics(List.of(Topics.CONTROL))
                    .allTopicNames()
                    .get()
                    .get(Topics.CONTROL)
                    .partitions();
            return parts.size() == 5
                    && parts.stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (java.util.concurrent.ExecutionException e) {
            return false; // not known yet
        }
    }

    private static String segmentBytes(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r))
                .all()
                .get()
                .get(r)
                .get(TopicConfig.SEGMENT_BYTES_CONFIG)
                .value();
    }

    @Test
    void aMissingInputTopicIsNamed() throws Exception {
        try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.deleteTopics(List.of(Topics.CONTROL)).all().get();
            assertThatThrownBy(() -> AnalyzerService.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .groupId("layout-missing")
                            .instanceId("layout-missing-1")
                            .build()
                            .start())
                    .isInstanceOf(FatalAnalyzerException.class)
                    .hasMessage("topic " + Topics.CONTROL + " missing on " + kafka.bootstrapServers()
                            + ": create it with the other inputs' partition count (README, \"Kafka\"), or run"
                            + " grokwatch broker, which creates every grokwatch topic");
        }
    }

    @Test
    void aControlTopicWithAnotherPartitionCountIsRefusedByName() throws Exception {
        try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.deleteTopics(List.of(Topics.CONTROL)).all().get();
            // deletion is asynchronous: retry the create until the old topic is gone
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (true) {
                try {
                    admin.createTopics(List.of(new NewTopic(Topics.CONTROL, 5, (short) 1)))
                            .all()
                            .get();
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (System.nanoTime() > deadline) throw e;
                    Thread.sleep(200);
                }
            }
            // the new topic's metadata reaches the broker's cache a moment after the create returns
            while (!fiveLedPartitions(admin)) {
                if (System.nanoTime() > deadline) throw new AssertionError(Topics.CONTROL + " never had 5 leaders");
                Thread.sleep(100);
            }
            assertThatThrownBy(() -> AnalyzerService.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .groupId("layout-bad")
                            .instanceId("layout-bad-1")
                            .build()
                            .start())
                    .isInstanceOf(FatalAnalyzerException.class)
                    .hasMessageContaining(Topics.CONTROL + " (5)")
                    .hasMessageContaining("same partition count");
        }
    }
}
