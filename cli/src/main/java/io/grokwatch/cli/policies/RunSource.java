package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import java.io.IOException;
import java.util.List;

/**
 * Where {@code grokwatch policies} gets its recorded runs. {@link JsonlRunSource} reads files and directories; a
 * sweep id or a Kafka topic read back from the beginning would be further implementations (not written yet).
 */
public interface RunSource {

    /** Every run, each with a name unique among them, in a stable order. */
    List<RecordedRun> read() throws IOException, BadRunInputException;

    /** Input that cannot be replayed; the message is one line naming the file and, where there is one, the line. */
    final class BadRunInputException extends Exception {
        public BadRunInputException(String message) {
            super(message);
        }
    }
}
