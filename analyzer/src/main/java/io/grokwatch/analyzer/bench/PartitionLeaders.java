package io.grokwatch.analyzer.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until every partition of some topics answers as led. Right after a broker starts, its
 * metadata can name a leader before the partition takes writes: an idempotent producer then sees
 * NOT_LEADER_OR_FOLLOWER, and on this Kafka its retry can end in OUT_OF_ORDER_SEQUENCE_NUMBER
 * until delivery.timeout.ms drops the records. A ListOffsets, served by the leader only, shows
 * when that window is over.
 */
public final class PartitionLeaders {
  private PartitionLeaders() {}

  /** Returns when ListOffsets succeeds on every partition of the topics; fails after {@code max}. */
  public static void await(String bootstrapServers, List<String> topics, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    String last = "no answer";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      while (System.nanoTime() < deadline) {
        try {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
              d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
          admin.listOffsets(latest).all().get();
          return;
        } catch (ExecutionException e) {
          last = String.valueOf(e.getCause());
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("partitions of " + topics + " not led after " + max.toSeconds() + " s: " + last);
  }
}
