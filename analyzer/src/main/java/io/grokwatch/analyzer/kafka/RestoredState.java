package io.grokwatch.analyzer.kafka;

import java.util.Map;

/** Per-run state read back from the changelog for newly assigned partitions, by partition number. */
record RestoredState(Map<Integer, Map<String, StoredRun>> byPartition) {
    RestoredState {
        byPartition = Map.copyOf(byPartition);
    }

    int runs() {
        return byPartition.values().stream().mapToInt(Map::size).sum();
    }
}
