package io.grokwatch.bridge;

import com.sun.net.httpserver.BasicAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HTTP basic auth for the bridge's endpoint with one user and password.
 *
 * <p>Only SHA-256 digests of the expected user and password are kept. Comparing digests with
 * {@link MessageDigest#isEqual} takes the same time whatever the supplied values are, so neither
 * their content nor their length can be guessed from response times.
 */
final class BasicAuth extends BasicAuthenticator {
    static final String REALM = "grokwatch";

    private final String user;
    private final byte[] userDigest;
    private final byte[] passwordDigest;

    BasicAuth(String user, String password) {
        super(REALM, StandardCharsets.UTF_8);
        this.user = user;
        this.userDigest = sha256(user);
        this.passwordDigest = sha256(password);
    }

    /** The user name (never the password), for messages. */
    String user() {
        return user;
    }

    @Override
    public boolean checkCredentials(String username, String password) {
        if (username == null || password == null) return false;
        // Both are compared every time (& not &&), so a right user does not answer slower than a wrong one.
        boolean userOk = MessageDigest.isEqual(sha256(username), userDigest);
        boolean passwordOk = MessageDigest.isEqual(sha256(password), passwordDigest);
        return userOk & passwordOk;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must have", e);
        }
    }

    @Override
    public String toString() {
        return "BasicAuth[user=" + user + "]";
    }
}
