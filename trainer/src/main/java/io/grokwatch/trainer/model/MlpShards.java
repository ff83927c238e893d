package io.grokwatch.trainer.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The data-parallel training step of one {@link Mlp}: a large batch split into K contiguous row ranges whose forward,
 * loss and backward run on up to {@code shards} threads (the caller and pool threads of {@link RangeRunner}), each
 * range into its own buffers.
 *
 * <p>ND4J should run single-threaded under them (Backend.threads(1)), each thread's ops on that thread. The per-token
 * layer-0 tables are made once before the split; the ranges' partial gradients are summed in range order, so a
 * given K gives the same bits run to run (but not the bits of another K). trainer/README-backend.md has the
 * measurements behind the thresholds.
 */
final class MlpShards {

    /**
     * Least work per range, in activation cells (rows x (hidden widths + classes)): below it the hand-off to another
     * thread, the per-range table copies and the reduction cost more than the range saves. Measured on 2 cores
     * (README-backend.md): simple-grokking's shape (181 cells a row) gained at 842 rows a range, not at 700 or
     * fewer; mlp97's (353 a row) gained at 512 rows, not at 256.
     */
    static final int MIN_RANGE_CELLS = 1 << 17;

    /**
     * Row ranges per thread. More would let a thread that runs sooner take rows from one that was descheduled, but
     * each range costs its own table copies, partial tables and reduction: 2 per thread measured slower than 1 on 2
     * cores, idle and with a busy neighbour (README-backend.md). With 1, a pool thread that has not started when
     * the caller finishes its range still loses that range to the caller.
     */
    static final int RANGES_PER_SHARD = 1;

    private final Mlp m;
    private final int shards;
    private int minRangeRows; // MIN_RANGE_CELLS over the cells per row, unless a test sets it
    private int rangesPerShard = RANGES_PER_SHARD;
    private final Map<Integer, Range[]> ranges = new HashMap<>(); // per batch size
    private final long
            tailOffset; // where layers.1.weight starts in the flat gradients: layers >= 1 follow contiguously
    private final long tailLength;

    /** For m, whose parameters and dims are already built. */
    MlpShards(Mlp m, int shards) {
        this.m = m;
        this.shards = shards;
        long before = 0;
        for (ParamSet.Param p : m.params().list()) {
            if (p.name().equals("layers.1.weight")) {
                break;
            }
            before += p.value().length();
        }
        this.tailOffset = before;
        this.tailLength = m.params().count() - before;
        int cellsPerRow = 0;
        for (int i = 1; i <= m.layers; i++) {
            cellsPerRow += m.dims[i];
        }
        this.minRangeRows = (MIN_RANGE_CELLS + cellsPerRow - 1) / cellsPerRow;
    }

    int shards() {
        return shards;
    }

    int minRangeRows() {
        return minRangeRows;
    }

    void minRangeRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        }
        this.minRangeRows = rows;
    }

    void rangesPerShard(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("ranges per shard must be >= 1, got " + k);
        }
        this.rangesPerShard = k;
    }

    /** Row ranges a step of n rows is split into: shards x ranges per shard, fewer below minRangeRows a range; 1 with one shard. */
    int rangesFor(int n) {
        return shards == 1 ? 1 : Math.max(1, Math.min(shards * rangesPerShard, n / minRangeRows));
    }

    /**
     * The step of {@link Mlp#trainStep} for k = {@link #rangesFor} > 1, on a checked batch: the tables once; then the
     * ranges' forward, loss and backward on up to {@code shards} threads; then the partial gradients summed in range
     * order and the table gemms once. Which thread ran a range does not change a bit of the result.
     */
    Loss.Result trainStep(Batch batch, int[] labels, Loss loss, int k) {
        int n = batch.size();
        Range[] rs = ranges(n, k);
        m.tables();
        RangeRunner.run(k, shards, s -> rs[s].run(batch, labels, loss, n));
        double total = 0;
        int correct = 0;
        for (Range r : rs) { // in range order, so the sum's rounding is the same every run
            total += r.result.loss();
            correct += r.result.correct();
        }
        Loss.Result r = new Loss.Result(total, correct, n);
        if (Double.isFinite(r.loss())) {
            for (int s = 1; s < k; s++) {
                if (tailLength > 0) {
                    rs[0].tail.addi(rs[s].tail); // range 0's tail is the gradient memory of layers >= 1
                }
                rs[0].dP.addi(rs[s].dP);
            }
            m.tableGrads(rs[0].dPTop, rs[0].dPBot);
        }
        return r;
    }

    /** K contiguous row ranges of an n-row batch, sizes differing by at most one; made once per batch size and k. */
    private Range[] ranges(int n, int k) {
        Range[] rs = ranges.get(n);
        if (rs == null || rs.length != k) {
            DataType dt = m.params().flatValues().dataType();
            rs = new Range[k];
            for (int s = 0; s < k; s++) {
                rs[s] = new Range(RangeRunner.start(n, k, s), RangeRunner.start(n, k, s + 1), s == 0, dt);
            }
            ranges.put(n, rs);
        }
        return rs;
    }

    /** One row range of a sharded step: its inputs, activations and partial gradients, reused every step. */
    private final class Range {
        final int from;
        final int n;
        final int[] a;
        final int[] b;
        final int[] labels;
        final Mlp.Work wk;
        final INDArray dLogits; // (n, C)
        final INDArray tail; // partial grads of layers >= 1, laid out as in the flat gradients; range 0: that memory
        final INDArray[] gw; // gw[i], gb[i] for i >= 1: views of tail
        final INDArray[] gb;
        final INDArray dP; // (2 V h0): dPTop then dPBot, so the reduction is one add
        final INDArray dPTop;
        final INDArray dPBot;
        Loss.Result result;

        Range(int from, int to, boolean first, DataType dt) {
            this.from = from;
            this.n = to - from;
            this.a = new int[n];
            this.b = new int[n];
            this.labels = new int[n];
            this.wk = m.newWork(n);
            this.dLogits = Nd4j.create(dt, n, m.classes());
            int layers = m.layers;
            int[] dims = m.dims;
            if (first) { // range 0 writes straight into the gradients; the others are added to it
                tail = tailLength == 0
                        ? null
                        : m.params().flatGrads().get(NDArrayIndex.interval(tailOffset, tailOffset + tailLength));
                gw = m.gradW;
                gb = m.gradB;
            } else {
                tail = tailLength == 0 ? null : Nd4j.create(dt, tailLength);
                gw = new INDArray[layers];
                gb = new INDArray[layers];
                long off = 0;
                for (int i = 1; i < layers; i++) {
                    gw[i] = view(tail, off, dims[i], dims[i + 1]);
                    off += (long) dims[i] * dims[i + 1];
                    gb[i] = view(tail, off, 1, dims[i + 1]);
                    off += dims[i + 1];
                }
            }
            int vocab = m.config().vocab();
            long table = (long) vocab * dims[1];
            dP = Nd4j.create(dt, 2 * table);
            dPTop = view(dP, 0, vocab, dims[1]);
            dPBot = view(dP, table, vocab, dims[1]);
        }

        /** Forward, loss (a mean over all {@code total} rows of the batch) and, if finite, backward of this range. */
        void run(Batch batch, int[] allLabels, Loss loss, int total) {
            System.arraycopy(batch.a(), from, a, 0, n);
            System.arraycopy(batch.b(), from, b, 0, n);
            System.arraycopy(allLabels, from, labels, 0, n);
            INDArray logits = m.forwardRows(wk, a, b);
            result = loss.evaluate(logits, labels, dLogits, total);
            if (Double.isFinite(result.loss())) {
                m.backwardRows(wk, dLogits, a, b, gw, gb, dPTop, dPBot);
            }
        }
    }

    /** Rows [off, off + rows * cols) of a flat vector as a c-order (rows, cols) view. */
    private static INDArray view(INDArray flat, long off, long rows, long cols) {
        return flat.get(NDArrayIndex.interval(off, off + rows * cols)).reshape('c', rows, cols);
    }
}
