package io.grokwatch.events.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingTableTest {
    enum Shape {
        ROUND,
        SQUARE
    }

    record Cfg(int size, double rate, boolean loud, Shape shape, List<Integer> widths) {}

    static SettingTable<Cfg> table() {
        return SettingTable.builder(Cfg.class)
                .define(Setting.ofInt("size", 3)
                        .check(v -> v >= 1, "must be >= 1")
                        .label("N")
                        .doc("How many."))
                .define(Setting.ofDouble("rate", 1e-3)
                        .check(v -> v >= 0, "must be >= 0")
                        .flags("--rate", "--lr")
                        .doc("How fast."))
                .define(Setting.ofBoolean("loud", false).doc("Say more."))
                .define(Setting.ofEnum("shape", Shape.class, Shape.ROUND).doc("Which shape."))
                .define(Setting.ofIntList("widths", List.of(128))
                        .check(l -> !l.isEmpty(), "must not be empty")
                        .doc("Widths."))
                .build();
    }

    @Test
    void createsTheRecordFromDefaultsAndChecksEachValue() {
        SettingTable<Cfg> t = table();
        assertThat(t.create(t.defaults())).isEqualTo(new Cfg(3, 1e-3, false, Shape.ROUND, List.of(128)));
        Map<String, Object> bad = t.defaults();
        bad.put("size", 0);
        assertThatThrownBy(() -> t.create(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size must be >= 1, got 0");
        bad.put("size", 2L);
        assertThatThrownBy(() -> t.create(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size must be of type int, not Long, got 2");
    }

    @Test
    void refusesATableThatDoesNotMatchTheRecord() {
        assertThatThrownBy(() -> SettingTable.builder(Cfg.class)
                        .define(Setting.ofInt("size", 3))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not defined [rate, loud, shape, widths]");
        assertThatThrownBy(() -> SettingTable.builder(Cfg.class)
                        .define(Setting.ofLong("size", 3))
                        .define(Setting.ofDouble("rate", 0))
                        .define(Setting.ofBoolean("loud", false))
                        .define(Setting.ofEnum("shape", Shape.class, Shape.ROUND))
                        .define(Setting.ofIntList("widths", List.of()))
                        .build())
                .hasMessage("Cfg component 0 is int size, but the setting there is long size");
        assertThatThrownBy(() -> SettingTable.builder(Cfg.class)
                        .define(Setting.ofInt("size", 0).check(v -> v >= 1, "must be >= 1"))
                        .define(Setting.ofDouble("rate", 0))
                        .define(Setting.ofBoolean("loud", false))
                        .define(Setting.ofEnum("shape", Shape.class, Shape.ROUND))
                        .define(Setting.ofIntList("widths", List.of()))
                        .build())
                .hasMessage("the default of size must be >= 1");
    }

    @Test
    void parsesFlagTextAndSaysWhatIsWrong() {
        SettingTable<Cfg> t = table();
        assertThat(t.byFlag("--lr")).isSameAs(t.get("rate"));
        assertThat(t.get("shape").parse("Square")).isEqualTo(Shape.SQUARE);
        assertThat(t.get("widths").parse("256, 128")).isEqualTo(List.of(256, 128));
        assertThatThrownBy(() -> t.get("shape").parse("oval")).hasMessage("must be one of round, square, got 'oval'");
        assertThatThrownBy(() -> t.get("size").parse("3.5")).hasMessage("must be an integer, got '3.5'");
        assertThatThrownBy(() -> t.get("nope")).hasMessageStartingWith("unknown setting 'nope'; known: size, rate");
    }

    @Test
    void roundTripsThroughJsonAndNamesWrongTypes() {
        SettingTable<Cfg> t = table();
        Cfg c = new Cfg(5, 0.5, true, Shape.SQUARE, List.of(8, 16));
        Map<String, Object> json = t.toJson(c);
        assertThat(json).containsEntry("shape", "SQUARE").containsEntry("size", 5);
        assertThat(t.fromJson(json)).isEqualTo(c);
        assertThat(t.fromJson(Map.of("size", 7L))).isEqualTo(new Cfg(7, 1e-3, false, Shape.ROUND, List.of(128)));
        assertThatThrownBy(() -> t.fromJson(Map.of("size", 2.5)))
                .hasMessage("config field 'size' must be an integer, got 2.5");
        assertThatThrownBy(() -> t.fromJson(Map.of("loud", "yes")))
                .hasMessage("config field 'loud' must be a boolean, got String yes");
        assertThatThrownBy(() -> t.fromJson(Map.of("colour", 1)))
                .hasMessageContaining("config field 'colour' is unknown");
        assertThat(t.differences(c, t.create(t.defaults()), Set.of("widths", "loud"), "a", "b"))
                .containsExactly("size: a 5, b 3", "rate: a 0.5, b 0.001", "shape: a SQUARE, b ROUND");
    }

    @Test
    void writesTheDocsTable() {
        String md = table().markdown(
                        s -> s.flag() != null,
                        List.of("flag", "default", "meaning"),
                        s -> "`" + s.flag() + "`",
                        s -> "`" + s.print(s.defaultValue()) + "`",
                        Setting::doc);
        assertThat(md)
                .startsWith("| flag | default | meaning |\n|---|---|---|\n| `--size` | `3` | How many. |\n")
                .contains("| `--rate` | `0.001` | How fast. |")
                .contains("| `--shape` | `round` |")
                .contains("| `--widths` | `128` |");
    }
}
