package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing binary fails the test under CI=true and skips it, saying why, elsewhere. */
class ToolsTest {

    @Test
    void missingBinaryFailsUnderCiAndSkipsOtherwise() {
        Throwable t = catchThrowable(() -> Tools.require("grokwatch-no-such-binary"));
        if ("true".equals(System.getenv("CI"))) {
            assertThat(t).isInstanceOf(AssertionFailedError.class).hasMessageContaining("CI=true requires it");
        } else {
            assertThat(t)
                    .isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("grokwatch-no-such-binary is not on PATH");
        }
    }

    @Test
    void presentBinaryIsFound() {
        assertThat(Tools.find("sh")).isPresent();
    }
}
