package io.grokwatch.cli;

import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Waits on the analyzer's consumer group, for the tests that run the pipeline end to end. */
final class AnalyzerGroup {
    private AnalyzerGroup() {}

    /** Until the default analyzer group has committed to the end of every partition of grokwatch.metrics. */
    static void awaitCaughtUp(String servers, Duration max) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            int partitions = admin.describeTopics(java.util.List.of(Topics.METRICS))
                    .allTopicNames()
                    .get()
                    .get(Topics.METRICS)
                    .partitions()
                    .size();
            long deadline = System.nanoTime() + max.toNanos();
            while (true) {
                var committed = admin.listConsumerGroupOffsets(ConsumerGroups.ANALYZER)
                        .partitionsToOffsetAndMetadata()
                        .get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < partitions; p++)
                    latest.put(new TopicPartition(Topics.METRICS, p), OffsetSpec.latest());
                var ends = admin.listOffsets(latest).all().get();
                boolean caughtUp = latest.keySet().stream()
                        .allMatch(tp -> ends.get(tp).offset() == 0
                                || (committed.get(tp) != null
                                        && committed.get(tp).offset()
                                                >= ends.get(tp).offset()));
                if (caughtUp) return;
                if (System.nanoTime() > deadline)
                    throw new AssertionError("the analyzer did not catch up within " + max + ": " + committed);
                Thread.sleep(200);
            }
        }
    }
}
