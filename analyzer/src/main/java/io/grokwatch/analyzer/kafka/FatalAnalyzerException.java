package io.grokwatch.analyzer.kafka;

/**
 * A failure that rebuilding the pipeline cannot fix (fenced by another instance with the same
 * instance id, a state record that does not decode, topics laid out wrongly): the service
 * stops and reports it instead of retrying.
 */
public final class FatalAnalyzerException extends RuntimeException {
    public FatalAnalyzerException(String message) {
        super(message);
    }

    public FatalAnalyzerException(String message, Throwable cause) {
        super(message, cause);
    }
}
