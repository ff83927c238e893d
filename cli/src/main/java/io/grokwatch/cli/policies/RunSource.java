package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Where {@code grokwatch policies} gets its recorded runs: {@link JsonlRunSource} reads files and directories,
 * {@link KafkaRunSource} a Kafka topic or a sweep id read back from the beginning.
 */
public interface RunSource {

    /** Every run, each with a name unique among them, in a stable order. */
    List<RecordedRun> read() throws IOException, TimeoutException, BadRunInputException;

    /** Input that cannot be replayed; the message is one line naming the file (and line), topic or sweep. */
    final class BadRunInputException extends Exception {
        public BadRunInputException(String message) {
            super(message);
        }
    }
}
