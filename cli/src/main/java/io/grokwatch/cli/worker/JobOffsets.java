package io.grokwatch.cli.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The job offsets a worker has taken and which of them are done, per partition. A partition's offset may be committed
 * only up to its oldest job still running: jobs finish out of order, and a commit past a running job would lose it
 * if the worker died. Poll thread only.
 */
final class JobOffsets {
    private final Map<TopicPartition, TreeMap<Long, Boolean>> taken = new HashMap<>();

    /** A job was taken off the topic. */
    void take(TopicPartition tp, long offset) {
        taken.computeIfAbsent(tp, k -> new TreeMap<>()).put(offset, false);
    }

    /** A job is over: finished, skipped, dropped or sent to the DLQ. */
    void done(TopicPartition tp, long offset) {
        TreeMap<Long, Boolean> m = taken.get(tp);
        if (m != null && m.containsKey(offset)) m.put(offset, true);
    }

    /** What may be committed now: per partition, one past the last done job before the oldest running one. */
    Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (Map.Entry<TopicPartition, TreeMap<Long, Boolean>> e : taken.entrySet()) {
            TreeMap<Long, Boolean> m = e.getValue();
            long next = -1;
            while (!m.isEmpty() && m.firstEntry().getValue())
                next = m.pollFirstEntry().getKey() + 1;
            if (next >= 0) out.put(e.getKey(), new OffsetAndMetadata(next));
        }
        return out;
    }

    /** Forgets a partition that moved to another worker (its running jobs were handed over). */
    void forget(TopicPartition tp) {
        taken.remove(tp);
    }

    /** Jobs taken and not yet done. */
    int running() {
        int n = 0;
        for (TreeMap<Long, Boolean> m : taken.values()) {
            for (boolean done : m.values()) if (!done) n++;
        }
        return n;
    }
}
