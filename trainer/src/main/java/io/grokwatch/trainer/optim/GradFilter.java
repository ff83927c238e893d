package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Rewrites a ParamSet's gradients in place between backward and the optimizer step. */
public interface GradFilter {
    void apply(ParamSet params);

    /** Copies of the filter's state buffers by name (empty for stateless filters). */
    Map<String, INDArray> exportState();

    void importState(Map<String, INDArray> state);
}
