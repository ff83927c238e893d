package io.grokwatch.trainer.model;

import static io.grokwatch.trainer.model.Transformer.T;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A {@link Transformer}'s buffers for one batch size: forward caches and backward scratch, allocated once. */
final class TransformerWork {
    final int n;
    final int[] idx; // row t*N + n -> table row t*V + token
    final int[] qIdx0; // idx of layer 0's query rows (its last qPos*N rows)
    final INDArray x0; // (T*N, d) embeddings + positions
    final Layer[] layers;
    final LayerNorm lnf;
    final INDArray logits; // (N, C)
    final INDArray nd; // (N, d) scratch
    final INDArray nd2; // (N, d) scratch
    final INDArray nh; // (N, H) scratch
    final INDArray nh2; // (N, H) scratch
    final INDArray[] dA; // (N, H) per key position
    final INDArray onesN; // (1, N)
    INDArray dxf; // (N, d)
    INDArray dxLast; // (N, d)

    TransformerWork(Transformer.Config cfg, DataType dt, int n) {
        int d = cfg.dModel();
        int heads = cfg.heads();
        this.n = n;
        idx = new int[T * n];
        x0 = Nd4j.create(dt, T * n, d);
        layers = new Layer[cfg.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Layer(cfg, dt, n, l == layers.length - 1 ? 1 : T);
        }
        qIdx0 = new int[layers[0].qRows];
        lnf = cfg.layerNorm() ? new LayerNorm(dt, n, d) : null;
        logits = Nd4j.create(dt, n, cfg.classes());
        nd = Nd4j.create(dt, n, d);
        nd2 = Nd4j.create(dt, n, d);
        nh = Nd4j.create(dt, n, heads);
        nh2 = Nd4j.create(dt, n, heads);
        dA = new INDArray[T];
        for (int j = 0; j < T; j++) {
            dA[j] = Nd4j.create(dt, n, heads);
        }
        onesN = Nd4j.ones(dt, 1, n);
    }

    /** Forward caches and backward buffers of one layer for one batch size. */
    static final class Layer {
        private final DataType dt;
        private final int d;
        private final int dMlp;
        final int qPos; // number of query positions computed: T, or 1 in the last layer
        final int qRows; // qPos * N
        final LayerNorm ln1;
        final LayerNorm ln2;
        final INDArray q; // (qRows, d)
        final INDArray k; // (T*N, d)
        final INDArray vv; // (T*N, d)
        final INDArray[][] a; // a[i][j] (N, H): attention of query position T-qPos+i on key position j
        final INDArray z; // (qRows, d) concatenated head outputs
        final INDArray x1; // (qRows, d) residual after attention
        final INDArray hpre; // (qRows, dMlp)
        final INDArray mask; // (qRows, dMlp)
        final INDArray hact; // (qRows, dMlp)
        final INDArray out; // (qRows, d) residual after the MLP
        INDArray dx1;
        INDArray dz;
        INDArray dq;
        INDArray dk;
        INDArray dv;
        INDArray dh;
        INDArray dxn;
        INDArray dxn2;
        INDArray dxIn; // (T*N, d) gradient w.r.t. the layer input

        Layer(Transformer.Config cfg, DataType dt, int n, int qPos) {
            this.dt = dt;
            this.d = cfg.dModel();
            this.dMlp = cfg.dMlp();
            int heads = cfg.heads();
            this.qPos = qPos;
            this.qRows = qPos * n;
            ln1 = cfg.layerNorm() ? new LayerNorm(dt, T * n, d) : null;
            ln2 = cfg.layerNorm() ? new LayerNorm(dt, qRows, d) : null;
            q = Nd4j.create(dt, qRows, d);
            k = Nd4j.create(dt, T * n, d);
            vv = Nd4j.create(dt, T * n, d);
            a = new INDArray[qPos][];
            for (int i = 0; i < qPos; i++) {
                int pos = T - qPos + i;
                a[i] = new INDArray[pos + 1];
                for (int j = 0; j <= pos; j++) {
                    a[i][j] = Nd4j.create(dt, n, heads);
                }
            }
            z = Nd4j.create(dt, qRows, d);
            x1 = Nd4j.create(dt, qRows, d);
            hpre = Nd4j.create(dt, qRows, cfg.dMlp());
            mask = Nd4j.create(dt, qRows, cfg.dMlp());
            hact = Nd4j.create(dt, qRows, cfg.dMlp());
            out = Nd4j.create(dt, qRows, d);
        }

        void allocBackward(int n) {
            if (dxIn == null) {
                dx1 = Nd4j.create(dt, qRows, d);
                dz = Nd4j.create(dt, qRows, d);
                dq = Nd4j.create(dt, qRows, d);
                dk = Nd4j.create(dt, T * n, d);
                dv = Nd4j.create(dt, T * n, d);
                dh = Nd4j.create(dt, qRows, dMlp);
                dxn = Nd4j.create(dt, T * n, d);
                dxn2 = Nd4j.create(dt, qRows, d);
                dxIn = Nd4j.create(dt, T * n, d);
            }
        }
    }
}
