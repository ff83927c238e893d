package io.grokwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ParamSetTest {
    @Test
    void parametersAndRowBlocksAreViewsOfTheFlatBuffers() {
        ParamSet ps = ParamSet.builder().add("a", 2, 3).add("b", 4, 5).build(DataType.FLOAT);
        assertThat(ps.count()).isEqualTo(26);
        ps.value("b").putScalar(1, 2, 7f);
        assertThat(ps.flatValues().getFloat(6 + 5 + 2)).isEqualTo(7f);
        ps.rows("b", 2, 4, true).putScalar(0, 1, 3f);
        assertThat(ps.grad("b").getFloat(2, 1)).isEqualTo(3f);
        assertThat(ps.flatGrads().getFloat(6 + 2 * 5 + 1)).isEqualTo(3f);
        assertThat(ps.rows("b", 1, 3, false).getFloat(0, 2)).isEqualTo(7f);
    }

    @Test
    void gatherAndScatterHandleViews() {
        ParamSet ps = ParamSet.builder().add("pad", 1, 3).add("t", 4, 3).build(DataType.DOUBLE);
        for (int i = 0; i < 12; i++) {
            ps.value("t").putScalar(i / 3, i % 3, i);
        }
        var out = org.nd4j.linalg.factory.Nd4j.create(DataType.DOUBLE, 3, 3);
        Rows.gather(ps.value("t"), new int[] {3, 0, 3}, out);
        assertThat(out.getDouble(0, 2)).isEqualTo(11.0);
        assertThat(out.getDouble(1, 1)).isEqualTo(1.0);
        Rows.scatterAdd(out, new int[] {1, 1, 2}, ps.grad("t"), false);
        assertThat(ps.grad("t").getDouble(1, 0)).isEqualTo(9.0 + 0.0);
        assertThat(ps.grad("t").getDouble(2, 2)).isEqualTo(11.0);
        assertThat(ps.grad("pad").sumNumber().doubleValue()).isZero();
    }

    @Test
    void floatGatherSumEqualsTwoGathers() {
        var a = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 5, 4);
        var b = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 5, 4);
        int[] ia = {4, 0, 2};
        int[] ib = {1, 1, 3};
        var one = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, 3, 4);
        var two = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, 3, 4);
        var fromB = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, 3, 4);
        Rows.gatherSum(a, ia, b, ib, one, false);
        Rows.gather(a, ia, two);
        Rows.gather(b, ib, fromB);
        two.addi(fromB);
        assertThat(one.equalsWithEps(two, 0)).isTrue();
        assertThat(one.getFloat(0, 3)).isEqualTo(a.getFloat(4, 3) + b.getFloat(1, 3));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(
            value = DataType.class,
            names = {"FLOAT", "DOUBLE"})
    void scatterIntoTwoTablesEqualsTwoScatters(DataType dt) {
        var src = org.nd4j.linalg.factory.Nd4j.rand(dt, 4, 3).subi(0.5);
        int[] ia = {2, 0, 2, 1};
        int[] ib = {0, 0, 1, 2};
        var ta = org.nd4j.linalg.factory.Nd4j.ones(dt, 3, 3); // stale values must be overwritten
        var tb = org.nd4j.linalg.factory.Nd4j.ones(dt, 3, 3);
        Rows.scatterAddTwo(src, ia, ta, ib, tb);
        var wantA = org.nd4j.linalg.factory.Nd4j.create(dt, 3, 3);
        var wantB = org.nd4j.linalg.factory.Nd4j.create(dt, 3, 3);
        Rows.scatterAdd(src, ia, wantA, false);
        Rows.scatterAdd(src, ib, wantB, false);
        assertThat(ta.equalsWithEps(wantA, 1e-6)).isTrue();
        assertThat(tb.equalsWithEps(wantB, 1e-6)).isTrue();
        assertThat(ta.getDouble(2, 1))
                .isCloseTo(src.getDouble(0, 1) + src.getDouble(2, 1), org.assertj.core.data.Offset.offset(1e-6));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(
            value = DataType.class,
            names = {"FLOAT", "DOUBLE"})
    void gatherSumAppliesTheRelu(DataType dt) {
        var a = org.nd4j.linalg.factory.Nd4j.rand(dt, 5, 4).subi(0.5);
        var b = org.nd4j.linalg.factory.Nd4j.rand(dt, 5, 4).subi(0.5);
        int[] ia = {4, 0, 2};
        int[] ib = {1, 1, 3};
        var out = org.nd4j.linalg.factory.Nd4j.create(dt, 3, 4);
        Rows.gatherSum(a, ia, b, ib, out, true);
        for (int n = 0; n < 3; n++) {
            for (int k = 0; k < 4; k++) {
                double v = a.getDouble(ia[n], k) + b.getDouble(ib[n], k);
                assertThat(out.getDouble(n, k)).isCloseTo(Math.max(v, 0), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }
}
