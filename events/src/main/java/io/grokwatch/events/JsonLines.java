package io.grokwatch.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a .jsonl file line by line, each line decoded as UTF-8 on its own, so a line of binary garbage is one bad line
 * (named by its number) rather than an error that ends the read without saying where.
 *
 * <pre>{@code
 * JsonLines.forEach(file, (number, line, notText) -> {
 *     if (notText != null) bad(number, notText); else handle(number, line);
 * });
 * }</pre>
 */
public final class JsonLines {
    private JsonLines() {}

    /** One line: its number (from 1) and its text, or, when it is not UTF-8 text, null and why. */
    @FunctionalInterface
    public interface LineHandler {
        void line(long number, String text, String notText) throws IOException;
    }

    /** Calls {@code handler} for every line, blank ones included; a trailing line without '\n' counts. */
    public static void forEach(Path file, LineHandler handler) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            long number = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') continue;
                    line.write(buf, from, i - from);
                    emit(handler, utf8, ++number, line.toByteArray());
                    line.reset();
                    from = i + 1;
                }
                line.write(buf, from, n - from);
            }
            if (line.size() > 0) emit(handler, utf8, ++number, line.toByteArray());
        }
    }

    private static void emit(LineHandler handler, CharsetDecoder utf8, long number, byte[] bytes) throws IOException {
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        String text;
        try {
            text = utf8.reset().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (CharacterCodingException e) {
            handler.line(number, null, "not UTF-8 text (a binary or truncated file?)");
            return;
        }
        handler.line(number, text, null);
    }
}
