package io.grokwatch.analyzer.detect;

import static io.grokwatch.analyzer.detect.Curves.RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.analyzer.detect.OfflineClassifier.JsonlSteps;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Transition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineClassifierTest {
    @TempDir
    Path dir;

    @Test
    void aFileClassifiesLikeTheLiveDetectorFedTheSameRecords() throws Exception {
        List<StepRecord> steps = Curves.noisy(Curves.grokking(), 0.01, 31);
        Path f = dir.resolve("run.jsonl");
        Files.write(f, steps.stream().map(EventCodec::encodeToString).toList());

        RunDetector live = new RunDetector(RUN, DetectorConfig.defaults());
        for (StepRecord s : steps) live.accept(s, s.time());
        live.finish(steps.get(steps.size() - 1).time());

        RunSummary offline = OfflineClassifier.classify(f, DetectorConfig.defaults());
        assertThat(offline).isEqualTo(live.summary());
        assertThat(offline.finalClass()).isEqualTo(FinalClass.GROKKING);
        // record times stand in for the clock: detectedTime is the time of the record that released it
        Transition grokked = offline.transitions().get(offline.transitions().size() - 1);
        assertThat(grokked.detectedTime())
                .isEqualTo(1_700_000_000_000L + Curves.evaluationAfter(steps, grokked.detectedStep(), 1));
    }

    @Test
    void readListsBadLinesWithLineNumberAndFieldAndSkipsOtherRecords() throws Exception {
        List<String> lines = new ArrayList<>();
        for (StepRecord s : Curves.memorization().subList(0, 50)) lines.add(EventCodec.encodeToString(s));
        lines.add(10, "");
        lines.add(20, lines.get(19).replace("\"trainAcc\":", "\"trainAcc\":\"high\",\"was\":"));
        lines.add(EventCodec.encodeToString(new RunFinished(RUN, 5, RunFinished.Status.COMPLETED, "done", 490)));
        lines.add("{\"type\":\"step\",\"run\":\"synthetic\",\"st");
        Path f = dir.resolve("damaged.jsonl");
        Files.write(f, lines);

        JsonlSteps read = OfflineClassifier.read(f);

        assertThat(read.steps()).hasSize(50);
        assertThat(read.otherRecords()).isEqualTo(1);
        assertThat(read.badLines()).extracting(OfflineClassifier.BadLine::line).containsExactly(21L, 54L);
        assertThat(read.badLines().get(0).field()).isEqualTo("trainAcc");
        assertThat(read.badLines().get(0).error()).isEqualTo("field 'trainAcc': must be a number, got string \"high\"");
        assertThat(read.badLines().get(1).field()).isNull();
        assertThat(OfflineClassifier.classify(f, DetectorConfig.defaults()).finalClass())
                .isEqualTo(FinalClass.MEMORIZATION);
    }

    @Test
    void severalRunsAreClassifiedApart() {
        List<StepRecord> mixed = new ArrayList<>();
        List<StepRecord> grok = Curves.grokking();
        List<StepRecord> conf = Curves.confusion();
        for (int i = 0; i < grok.size(); i++) {
            mixed.add(grok.get(i));
            StepRecord c = conf.get(i);
            mixed.add(new StepRecord(
                    "other",
                    c.step(),
                    c.trainLoss(),
                    c.trainAcc(),
                    c.valLoss(),
                    c.valAcc(),
                    c.time(),
                    null,
                    null,
                    null,
                    null,
                    null));
        }
        Map<String, RunSummary> all = OfflineClassifier.classifyAll(mixed, DetectorConfig.defaults());
        assertThat(all.keySet()).containsExactly(RUN, "other");
        assertThat(all.get(RUN)).isEqualTo(OfflineClassifier.classify(grok, DetectorConfig.defaults()));
        assertThat(all.get("other").finalClass()).isEqualTo(FinalClass.CONFUSION);
        assertThatThrownBy(() -> OfflineClassifier.classify(mixed, DetectorConfig.defaults()))
                .hasMessage("the steps hold 2 runs [synthetic, other]; classify them with classifyAll");
    }
}
