package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.FastStepDecoder;
import io.grokwatch.events.StepRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FastStepDecoderTest {

    @Test
    void decodesWhatEventCodecEncodesToTheSameRecord() {
        List<StepRecord> steps =
                new java.util.ArrayList<>(SyntheticRuns.steps("fast-1", SyntheticRuns.Shape.GROKKING, 400, 5));
        steps.add(StepRecord.of("fast-1", 7, Double.NaN, 0.5, Double.POSITIVE_INFINITY, 0.25));
        steps.add(StepRecord.of("fast-1", 8, 1e-300, 1.0, Double.NEGATIVE_INFINITY, 0.0));
        steps.add(new StepRecord(
                "fast-\u00e9", 9, 0.1, 0.2, 0.3, 0.4, 1_700_000_000_123L, 3.25, 0.5, 1e-9, 3e-2, 123.456));
        for (StepRecord s : steps) {
            byte[] json = EventCodec.encode(s);
            assertThat(FastStepDecoder.decodeOrNull(json)).isEqualTo(s).isEqualTo(EventCodec.decode(json));
        }
    }

    @Test
    void acceptsOnlyWhatEventCodecAcceptsTheSameWay() {
        String[] accepted = {
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            " {\"valAcc\":0.25,\"extra\":{\"a\":[1,{\"b\":2}]},\"step\":3,\"run\":\"r\",\"trainLoss\":1.5e0,\"trainAcc\":0.5,"
                    + "\"valLoss\":-Infinity,\"type\":\"step\",\"v\":null,\"time\":null,\"lr\":null} ",
        };
        for (String a : accepted) {
            byte[] json = a.getBytes(StandardCharsets.UTF_8);
            assertThat(FastStepDecoder.decodeOrNull(json)).as(a).isNotNull().isEqualTo(EventCodec.decode(json));
        }
        // Each of these is for EventCodec to decide (and to word the error of): the fast path gives up.
        String[] declined = {
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3.0,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"run\":\"s\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":1.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}{}",
            "{\"type\":\"step\",\"v\":2,\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":99999999999999999999,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":\"1\",\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25}",
            "{\"type\":\"step\",\"run\":\"r\",\"step\":3,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":2,\"valAcc\":0.25,\"lr\":NaN}",
            "{\"type\":\"run_finished\",\"run\":\"r\",\"time\":1,\"status\":\"COMPLETED\",\"lastStep\":3}",
            "[1]",
            "",
            "{\"type\":\"step\"",
        };
        for (String d : declined) {
            assertThat(FastStepDecoder.decodeOrNull(d.getBytes(StandardCharsets.UTF_8)))
                    .as(d)
                    .isNull();
        }
        assertThat(FastStepDecoder.decodeOrNull(null)).isNull();
    }
}
