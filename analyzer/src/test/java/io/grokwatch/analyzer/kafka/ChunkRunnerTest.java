package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ChunkRunnerTest {

    @Test
    void visitsEveryIndexOnceAndUsesTheHelpersOnlyForBigInputs() {
        try (ChunkRunner runner = new ChunkRunner(3, "chunk-test")) {
            AtomicIntegerArray visits = new AtomicIntegerArray(10_000);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            runner.forEach(10_000, 1000, i -> {
                visits.incrementAndGet(i);
                threads.add(Thread.currentThread().getName());
            });
            for (int i = 0; i < visits.length(); i++)
                assertThat(visits.get(i)).as("visits of %d", i).isEqualTo(1);
            assertThat(threads).contains(Thread.currentThread().getName(), "chunk-test");

            Set<String> small = ConcurrentHashMap.newKeySet();
            runner.forEach(1500, 1000, i -> small.add(Thread.currentThread().getName()));
            assertThat(small).containsExactly(Thread.currentThread().getName());
        }
    }

    @Test
    void rethrowsAFailureOfAnyChunk() {
        try (ChunkRunner runner = new ChunkRunner(2, "chunk-test")) {
            assertThatThrownBy(() -> runner.forEach(4000, 1000, i -> {
                        if (i == 3999) throw new IllegalArgumentException("bad item 3999");
                    }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("bad item 3999");
        }
        assertThatThrownBy(() -> new ChunkRunner(0, "x")).hasMessage("threads must be >= 1, got 0");
    }
}
