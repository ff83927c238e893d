package io.grokwatch.trainer.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskTest {
    @Test
    void rejectsACompositeModulus() {
        assertThatThrownBy(() -> Task.create(Op.ADD, 51, 0.5, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("p must be prime, got 51");
        assertThatThrownBy(() -> Task.create(Op.ADD, 1, 0.5, 0)).hasMessage("p must be prime, got 1");
    }

    @Test
    void rejectsAFractionOutsideTheOpenUnitInterval() {
        assertThatThrownBy(() -> Task.create(Op.ADD, 53, 1.0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trainFraction must be in (0, 1), got 1.0");
        assertThatThrownBy(() -> Task.create(Op.ADD, 53, 0.0, 0))
                .hasMessage("trainFraction must be in (0, 1), got 0.0");
        assertThatThrownBy(() -> Task.create(Op.ADD, 53, Double.NaN, 0))
                .hasMessage("trainFraction must be in (0, 1), got NaN");
    }

    @Test
    void rejectsASplitThatLeavesASideEmpty() {
        assertThatThrownBy(() -> Task.create(Op.ADD, 3, 0.01, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trainFraction 0.01 leaves the training set empty (9 pairs)");
        assertThatThrownBy(() -> Task.create(Op.ADD, 3, 0.99, 0))
                .hasMessage("trainFraction 0.99 leaves the validation set empty (9 pairs)");
    }

    @Test
    void splitIsDeterministicInTheSeedAndCoversEveryPairOnce() {
        Task a = Task.create(Op.ADD, 53, 0.6, 42);
        Task b = Task.create(Op.ADD, 53, 0.6, 42);
        Task c = Task.create(Op.ADD, 53, 0.6, 43);
        assertThat(a.train().a()).isEqualTo(b.train().a());
        assertThat(a.train().b()).isEqualTo(b.train().b());
        assertThat(a.splitHash()).isEqualTo(b.splitHash()).hasSize(64).isNotEqualTo(c.splitHash());
        assertThat(a.train().size()).isEqualTo(Math.round(0.6 * 53 * 53));
        assertThat(a.train().size() + a.val().size()).isEqualTo(53 * 53);
        Set<Integer> seen = new HashSet<>();
        for (Examples e : new Examples[] {a.train(), a.val()}) {
            for (int i = 0; i < e.size(); i++) {
                assertThat(seen.add(e.a()[i] * 53 + e.b()[i])).isTrue();
                assertThat(e.label()[i]).isEqualTo((e.a()[i] + e.b()[i]) % 53);
            }
        }
        assertThat(a.vocabSize()).isEqualTo(53);
    }

    @Test
    void labelsFollowEachOperation() {
        int p = 7;
        for (Op op : Op.values()) {
            if (op.isGroup()) {
                continue;
            }
            Task t = Task.create(op, p, 0.5, 1);
            for (Examples e : new Examples[] {t.train(), t.val()}) {
                for (int i = 0; i < e.size(); i++) {
                    long x = e.a()[i];
                    long y = e.b()[i];
                    long want = switch (op) {
                        case ADD -> (x + y) % p;
                        case SUB -> Math.floorMod(x - y, p);
                        case MUL -> x * y % p;
                        case DIV -> divide(x, y, p);
                        case SQUARES -> (x * x + y * y) % p;
                        case QUADRATIC -> (x * x + x * y + y * y) % p;
                        case CUBIC -> (x * x * x + x * y) % p;
                        case S5 -> throw new AssertionError();
                    };
                    assertThat((long) e.label()[i]).as("%s %d %d", op, x, y).isEqualTo(want);
                }
            }
        }
    }

    private static long divide(long x, long y, long p) {
        assertThat(y).isNotZero(); // x/0 pairs are excluded from the task
        for (long z = 0; z < p; z++) {
            if (z * y % p == x) {
                return z;
            }
        }
        throw new AssertionError("no quotient");
    }

    @Test
    void divisionLeavesOutYZero() {
        Task t = Task.create(Op.DIV, 97, 0.5, 0);
        assertThat(t.train().size() + t.val().size()).isEqualTo(97 * 96);
    }

    @Test
    void s5TableIsAGroup() {
        int n = S5.ORDER;
        int identity = 0;
        assertThat(S5.permutation(identity)).containsExactly(0, 1, 2, 3, 4);
        for (int a = 0; a < n; a++) {
            assertThat(S5.compose(identity, a)).isEqualTo(a);
            assertThat(S5.compose(a, identity)).isEqualTo(a);
            int inverses = 0;
            Set<Integer> row = new HashSet<>();
            for (int b = 0; b < n; b++) {
                row.add(S5.compose(a, b));
                if (S5.compose(a, b) == identity) {
                    inverses++;
                    assertThat(S5.compose(b, a)).isEqualTo(identity);
                }
                for (int c = 0; c < n; c++) {
                    assertThat(S5.compose(S5.compose(a, b), c)).isEqualTo(S5.compose(a, S5.compose(b, c)));
                }
            }
            assertThat(row).hasSize(n); // Latin square row: closure and cancellation
            assertThat(inverses).isEqualTo(1);
        }
        // non-abelian, as S5 must be
        assertThat(S5.compose(1, 2)).isNotEqualTo(S5.compose(2, 1));
        Task t = Task.create(Op.S5, 0, 0.5, 3);
        assertThat(t.vocabSize()).isEqualTo(120);
        assertThat(t.train().size() + t.val().size()).isEqualTo(120 * 120);
    }

    @Test
    void parsesOpsBySymbolAndName() {
        assertThat(Op.parse("x^2+xy+y^2")).isEqualTo(Op.QUADRATIC);
        assertThat(Op.parse("div")).isEqualTo(Op.DIV);
        assertThatThrownBy(() -> Op.parse("x%y"))
                .hasMessageStartingWith("op must be one of")
                .hasMessageEndingWith("got 'x%y'");
    }
}
