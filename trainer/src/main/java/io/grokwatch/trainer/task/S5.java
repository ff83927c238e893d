package io.grokwatch.trainer.task;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The symmetric group S5: its 120 permutations in lexicographic order and their composition table. */
public final class S5 {
    public static final int ORDER = 120;

    private static final int[][] PERMS = permutations();
    private static final int[][] TABLE = table();

    private S5() {}

    /** The permutation with index i, as images of 0..4. */
    public static int[] permutation(int i) {
        return PERMS[i].clone();
    }

    /** Index of a∘b, the permutation i -> a(b(i)). */
    public static int compose(int a, int b) {
        return TABLE[a][b];
    }

    private static int[][] permutations() {
        List<int[]> out = new ArrayList<>();
        permute(new int[5], new boolean[5], 0, out);
        return out.toArray(new int[0][]);
    }

    // Recursion in increasing order of the next image gives lexicographic order; index 0 is the identity.
    private static void permute(int[] cur, boolean[] used, int pos, List<int[]> out) {
        if (pos == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int v = 0; v < cur.length; v++) {
            if (!used[v]) {
                used[v] = true;
                cur[pos] = v;
                permute(cur, used, pos + 1, out);
                used[v] = false;
            }
        }
    }

    private static int[][] table() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < PERMS.length; i++) {
            index.put(java.util.Arrays.toString(PERMS[i]), i);
        }
        int[][] t = new int[ORDER][ORDER];
        int[] c = new int[5];
        for (int a = 0; a < ORDER; a++) {
            for (int b = 0; b < ORDER; b++) {
                for (int i = 0; i < 5; i++) {
                    c[i] = PERMS[a][PERMS[b][i]];
                }
                t[a][b] = index.get(java.util.Arrays.toString(c));
            }
        }
        return t;
    }
}
