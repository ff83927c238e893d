package io.grokwatch.trainer.task;

/** The binary operations a task can learn: modular arithmetic over Z_p, or composition in S5. */
public enum Op {
    ADD("x+y"),
    SUB("x-y"),
    MUL("x*y"),
    DIV("x/y"),
    SQUARES("x^2+y^2"),
    QUADRATIC("x^2+xy+y^2"),
    CUBIC("x^3+xy"),
    S5("s5");

    private final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    /** The formula as written in configs and run records, e.g. {@code x+y}. */
    public String symbol() {
        return symbol;
    }

    /** True when the operands range over S5's 120 permutations rather than Z_p. */
    public boolean isGroup() {
        return this == S5;
    }

    /** Parses a symbol ({@code x+y}) or a name ({@code add}, case-insensitive). */
    public static Op parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        for (Op op : values()) {
            if (op.symbol.equals(s) || op.name().equalsIgnoreCase(s)) {
                return op;
            }
        }
        throw new IllegalArgumentException(
                "op must be one of x+y, x-y, x*y, x/y, x^2+y^2, x^2+xy+y^2, x^3+xy, s5; got '" + s + "'");
    }

    /** x op y mod p; p is prime, so x/y = x * y^(p-2). Only for the modular ops. */
    long apply(long x, long y, long p) {
        return switch (this) {
            case ADD -> (x + y) % p;
            case SUB -> ((x - y) % p + p) % p;
            case MUL -> x * y % p;
            case DIV -> x * modPow(y, p - 2, p) % p;
            case SQUARES -> (x * x + y * y) % p;
            case QUADRATIC -> (x * x + x * y + y * y) % p;
            case CUBIC -> (x * x % p * x + x * y) % p;
            case S5 -> throw new IllegalStateException("S5 is not a modular op");
        };
    }

    /** Division is undefined for y = 0, so those pairs are not part of the task. */
    boolean defined(long y) {
        return this != DIV || y != 0;
    }

    private static long modPow(long b, long e, long m) {
        long r = 1;
        b %= m;
        while (e > 0) {
            if ((e & 1) == 1) {
                r = r * b % m;
            }
            b = b * b % m;
            e >>= 1;
        }
        return r;
    }
}
