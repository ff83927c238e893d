package io.grokwatch.trainer.publish;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.StepRecord;
import java.util.Objects;

/**
 * Builds wire records from a trainer's raw numbers, so the step loop never trips over the
 * contract: non-finite optional metrics become "not sent" (null), losses pass through as-is.
 *
 * <pre>{@code
 * StepRecord r = Records.step(runId, step).train(trainLoss, trainAcc).val(valLoss, valAcc)
 *     .time(System.currentTimeMillis()).weightNorm(wn).gradNorm(gn).lr(lr).build();
 * }</pre>
 */
public final class Records {
    private Records() {}

    /** Starts a step record of {@code run} at {@code step}; train and val are required. */
    public static StepBuilder step(String run, long step) {
        return new StepBuilder(run, step);
    }

    /**
     * An embedding snapshot from the rows a trainer holds ({@code embedding[token][dim]}), copied
     * row-major into float32.
     *
     * @throws IllegalArgumentException if the rows are empty or ragged (the message names the row)
     */
    public static EmbeddingSnapshot snapshot(
            String run, long step, long time, String task, int modulus, float[][] embedding) {
        Objects.requireNonNull(embedding, "embedding");
        if (embedding.length == 0 || embedding[0] == null || embedding[0].length == 0) {
            throw new IllegalArgumentException("embedding must have at least one non-empty row");
        }
        int rows = embedding.length;
        int cols = embedding[0].length;
        float[] data = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            if (embedding[r] == null || embedding[r].length != cols) {
                throw new IllegalArgumentException("embedding row " + r + " has "
                        + (embedding[r] == null ? "no" : embedding[r].length) + " columns, row 0 has " + cols);
            }
            System.arraycopy(embedding[r], 0, data, r * cols, cols);
        }
        return new EmbeddingSnapshot(run, step, time, task, modulus, rows, cols, data);
    }

    /** Null when {@code v} is NaN or infinite: the wire contract allows only finite optional values. */
    static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Collects one step's metrics; every optional setter drops non-finite values. */
    public static final class StepBuilder {
        private final String run;
        private final long step;
        private boolean hasTrain;
        private boolean hasVal;
        private double trainLoss;
        private double trainAcc;
        private double valLoss;
        private double valAcc;
        private Long time;
        private Double weightNorm;
        private Double weightDistance;
        private Double gradNorm;
        private Double lr;
        private Double stepsPerSecond;

        private StepBuilder(String run, long step) {
            this.run = run;
            this.step = step;
        }

        /** Training loss (may be NaN/Infinity: that is how divergence is reported) and accuracy in [0,1]. */
        public StepBuilder train(double loss, double acc) {
            this.trainLoss = loss;
            this.trainAcc = acc;
            this.hasTrain = true;
            return this;
        }

        /** Validation loss (may be non-finite) and accuracy in [0,1]. */
        public StepBuilder val(double loss, double acc) {
            this.valLoss = loss;
            this.valAcc = acc;
            this.hasVal = true;
            return this;
        }

        /** Epoch millis when the step was evaluated. */
        public StepBuilder time(long epochMillis) {
            this.time = epochMillis;
            return this;
        }

        public StepBuilder weightNorm(double v) {
            this.weightNorm = finiteOrNull(v);
            return this;
        }

        public StepBuilder weightDistance(double v) {
            this.weightDistance = finiteOrNull(v);
            return this;
        }

        public StepBuilder gradNorm(double v) {
            this.gradNorm = finiteOrNull(v);
            return this;
        }

        public StepBuilder lr(double v) {
            this.lr = finiteOrNull(v);
            return this;
        }

        public StepBuilder stepsPerSecond(double v) {
            this.stepsPerSecond = finiteOrNull(v);
            return this;
        }

        /**
         * The record.
         *
         * @throws IllegalStateException if train(..) or val(..) was not called
         * @throws io.grokwatch.events.InvalidEventException if a required field breaks the contract
         */
        public StepRecord build() {
            if (!hasTrain)
                throw new IllegalStateException("step " + step + " of run " + run + ": train(loss, acc) not set");
            if (!hasVal)
                throw new IllegalStateException("step " + step + " of run " + run + ": val(loss, acc) not set");
            return new StepRecord(
                    run,
                    step,
                    trainLoss,
                    trainAcc,
                    valLoss,
                    valAcc,
                    time,
                    weightNorm,
                    weightDistance,
                    gradNorm,
                    lr,
                    stepsPerSecond);
        }
    }
}
