package io.grokwatch.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LiveViewTest {
    private final StringWriter text = new StringWriter();
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void plainOutputPrintsStatusLinesAtMostEveryIntervalAndEventsAtOnce() {
        LiveView view = new LiveView(new PrintWriter(text), false, 1000, 2000, now::get);

        view.tick(); // nothing to show before the first step
        view.step(250, 1.0, 0.1, 800);
        view.tick();
        now.addAndGet(500);
        view.step(300, 1.0, 0.15, 820);
        view.tick(); // too soon for another line
        view.event(new Transition("r", Phase.MEMORIZED, Phase.GENERALIZING, 280, 290, 0));
        view.event(new Alert("r", AlertKind.VAL_ACC_JUMP, 280, 290, 0, 0.15, "val rising"));
        now.addAndGet(2000);
        view.tick();
        view.close();

        assertThat(text.toString().lines().toList())
                .containsExactly(
                        "[#######.....................]    250/1000 steps  FITTING      train 1.000  val 0.100    800 steps/s    0.0 s",
                        "    0.5 s  step 280     MEMORIZED -> GENERALIZING (detected at step 290)",
                        "    0.5 s  ALERT VAL_ACC_JUMP at step 280: val rising",
                        "[########....................]    300/1000 steps  GENERALIZING train 1.000  val 0.150    820 steps/s    2.5 s",
                        "[########....................]    300/1000 steps  GENERALIZING train 1.000  val 0.150    820 steps/s    2.5 s");
        assertThat(view.phase()).isEqualTo(Phase.GENERALIZING);
    }

    @Test
    void interactiveOutputRedrawsTheStatusLineInPlace() {
        LiveView view = new LiveView(new PrintWriter(text), true, 100, 0, now::get);

        view.step(10, 0.5, 0.0, Double.NaN);
        view.tick();
        view.println("note");

        String s = text.toString();
        assertThat(s).startsWith("\r\u001b[2K[###");
        assertThat(s).contains("\r\u001b[2Knote\n\r\u001b[2K[###");
        assertThat(s).contains("    - steps/s");
    }

    @Test
    void anOlderStepDoesNotMoveTheBarBack() {
        LiveView view = new LiveView(new PrintWriter(text), false, 100, 0, now::get);
        view.step(50, 1, 0.5, 10);
        view.step(40, 1, 0.4, 10);
        assertThat(view.statusLine()).contains("50/100 steps").contains("val 0.500");
    }
}
