package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-run detectors of the partitions this instance owns, keyed by partition number and run
 * id. Confined to the pipeline's worker thread: no locking.
 */
final class RunStateStore {
  private final DetectorConfig config;
  private final Map<Integer, Map<String, RunSlot>> byPartition = new HashMap<>();

  RunStateStore(DetectorConfig config) {
    this.config = config;
  }

  /** One run's detector plus what the service remembers about it. */
  static final class RunSlot {
    final int partition;
    final RunDetector detector;
    /** The auto-stop command went out (in a committed transaction, or in the open one). */
    boolean stopSent;

    RunSlot(int partition, RunDetector detector, boolean stopSent) {
      this.partition = partition;
      this.detector = detector;
      this.stopSent = stopSent;
    }
  }

  /** The run's slot, created empty for a run not seen before. */
  RunSlot slot(int partition, String run) {
    return byPartition.computeIfAbsent(partition, p -> new HashMap<>())
        .computeIfAbsent(run, r -> new RunSlot(partition, new RunDetector(r, config), false));
  }

  /** Installs state read back from the changelog, replacing whatever was held for those partitions. */
  void install(RestoredState restored) {
    restored.byPartition().forEach((partition, runs) -> {
      Map<String, RunSlot> slots = new HashMap<>();
      runs.forEach((run, stored) ->
          slots.put(run, new RunSlot(partition, RunDetector.restore(stored.detector(), config), stored.stopSent())));
      byPartition.put(partition, slots);
    });
  }

  /** Forgets the runs of partitions this instance no longer owns. */
  void drop(Set<Integer> partitions) {
    partitions.forEach(byPartition::remove);
  }

  /** Partition numbers with state held. */
  List<Integer> partitions() {
    return new ArrayList<>(byPartition.keySet());
  }

  int runs() {
    return byPartition.values().stream().mapToInt(Map::size).sum();
  }
}
