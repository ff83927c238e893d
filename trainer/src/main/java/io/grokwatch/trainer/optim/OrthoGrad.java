package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ⊥Grad (Prieto et al. 2025): per parameter tensor, g -= (w·g / w·w) w, removing the component that only
 * scales the weights up (naive loss minimization). With rescale the result keeps the raw gradient's norm,
 * as the authors' OrthoGrad code does.
 */
public final class OrthoGrad implements GradFilter {
    private static final double TINY = 1e-30;
    private final boolean rescale;

    public OrthoGrad(boolean rescale) {
        this.rescale = rescale;
    }

    @Override
    public void apply(ParamSet params) {
        var blas = Nd4j.getBlasWrapper();
        for (ParamSet.Param p : params.list()) {
            INDArray w = p.valueVector();
            INDArray g = p.gradVector();
            double gNorm = rescale ? blas.nrm2(g) : 0;
            double proj = blas.dot(w, g) / (blas.dot(w, w) + TINY);
            blas.axpy(-proj, w, g); // g -= proj * w
            if (rescale) {
                g.muli(gNorm / (blas.nrm2(g) + TINY));
            }
        }
    }

    @Override
    public Map<String, INDArray> exportState() {
        return Map.of();
    }

    @Override
    public void importState(Map<String, INDArray> state) {}
}
