package io.grokwatch.trainer.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A model's parameters and gradients, each held in one flat buffer with every named parameter a 2-d view.
 * Flat buffers let an optimizer update everything with a dozen whole-buffer ops instead of a dozen per tensor.
 */
public final class ParamSet {
    /** One named parameter: value and gradient as 2-d views, and the same memory as 1-d views for BLAS level 1. */
    public record Param(String name, INDArray value, INDArray grad, INDArray valueVector, INDArray gradVector) {}

    private final INDArray values;
    private final INDArray grads;
    private final List<Param> list;
    private final Map<String, Param> byName;
    private final Map<String, Long> offsets = new LinkedHashMap<>();

    private ParamSet(DataType dtype, Map<String, long[]> shapes) {
        long total = 0;
        for (long[] s : shapes.values()) {
            total += s[0] * s[1];
        }
        values = Nd4j.zeros(dtype, total);
        grads = Nd4j.zeros(dtype, total);
        List<Param> ps = new ArrayList<>();
        Map<String, Param> map = new LinkedHashMap<>();
        long off = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long r = e.getValue()[0];
            long c = e.getValue()[1];
            Param p = new Param(
                    e.getKey(),
                    view(values, off, r, c),
                    view(grads, off, r, c),
                    values.get(NDArrayIndex.interval(off, off + r * c)),
                    grads.get(NDArrayIndex.interval(off, off + r * c)));
            ps.add(p);
            map.put(e.getKey(), p);
            offsets.put(e.getKey(), off);
            off += r * c;
        }
        list = Collections.unmodifiableList(ps);
        byName = Collections.unmodifiableMap(map);
    }

    private static INDArray view(INDArray flat, long off, long rows, long cols) {
        return flat.get(NDArrayIndex.interval(off, off + rows * cols)).reshape('c', rows, cols);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects named shapes in order; {@link #build} allocates both buffers once. */
    public static final class Builder {
        private final Map<String, long[]> shapes = new LinkedHashMap<>();

        public Builder add(String name, long rows, long cols) {
            if (rows <= 0 || cols <= 0) {
                throw new IllegalArgumentException(
                        "shape of " + name + " must be positive, got (" + rows + ", " + cols + ")");
            }
            if (shapes.put(name, new long[] {rows, cols}) != null) {
                throw new IllegalArgumentException("duplicate parameter name " + name);
            }
            return this;
        }

        public ParamSet build(DataType dtype) {
            return new ParamSet(dtype, shapes);
        }
    }

    public List<Param> list() {
        return list;
    }

    public Param get(String name) {
        Param p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name + "; have " + byName.keySet());
        }
        return p;
    }

    public INDArray value(String name) {
        return get(name).value();
    }

    public INDArray grad(String name) {
        return get(name).grad();
    }

    /**
     * Rows [from, to) of a parameter's value (or gradient) as a view. Cut from the flat buffer directly:
     * in ND4J 1.0.0-M2.1, {@code get(interval(from, to), all())} on a view with an offset returns an empty array
     * when from > 0.
     */
    public INDArray rows(String name, long from, long to, boolean grad) {
        Param p = get(name);
        long cols = p.value().columns();
        if (from < 0 || to > p.value().rows() || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside " + name + " with "
                    + p.value().rows() + " rows");
        }
        long off = offsets.get(name);
        return view(grad ? grads : values, off + from * cols, to - from, cols);
    }

    /** All parameter values as one vector (a view: writes go to the parameters). */
    public INDArray flatValues() {
        return values;
    }

    /** All gradients as one vector, aligned with {@link #flatValues()}. */
    public INDArray flatGrads() {
        return grads;
    }

    public long count() {
        return values.length();
    }

    /** Fills a parameter with N(0, std^2) from a Java RNG, so initial weights do not depend on the ND4J backend. */
    public static void normal(INDArray a, double std, Random rng) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian() * std;
        }
        a.assign(Nd4j.create(v, a.shape(), a.dataType()));
    }

    /** Fills a parameter with U(-bound, bound) from a Java RNG. */
    public static void uniform(INDArray a, double bound, Random rng) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * rng.nextDouble() - 1) * bound;
        }
        a.assign(Nd4j.create(v, a.shape(), a.dataType()));
    }
}
