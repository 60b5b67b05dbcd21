package dev.cairn.mongo;

import com.mongodb.AuthenticationMechanism;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.cairn.Secret;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach a MongoDB deployment: a connection string without a password plus an optional
 * password {@link Secret}, or a whole connection string held in a secret. Never prints either:
 * {@link #descriptor()} names scheme, user, hosts and database only (query options may carry
 * secrets such as AWS session tokens or proxy passwords, so they are left out too). Immutable.
 */
final class MongoConnection {
    /** {@code scheme://user:password@}: a password inside the user information. */
    private static final Pattern INLINE_PASSWORD = Pattern.compile("^[A-Za-z0-9+.-]+://[^/?#@]*:[^/?#@]*@.*",
            Pattern.DOTALL);

    private final String text;
    private final Secret password;
    private final Secret whole;
    private final String descriptor;

    private MongoConnection(String text, Secret password, Secret whole, String descriptor) {
        this.text = text;
        this.password = password;
        this.whole = whole;
        this.descriptor = descriptor;
    }

    /**
     * A connection string without a password, e.g. {@code mongodb://backup@db1:27017/?replicaSet=rs0}.
     *
     * @throws IllegalArgumentException if it holds a password or is not a MongoDB connection string
     *                                  (the message never repeats the text)
     */
    static MongoConnection of(String connectionString, Secret password) {
        return of(connectionString, password, true);
    }

    /** As {@link #of(String, Secret)}; unless {@code strict}, a missing or superfluous password is not checked yet. */
    static MongoConnection of(String connectionString, Secret password, boolean strict) {
        if (connectionString == null || connectionString.isBlank()) {
            throw new IllegalArgumentException("connectionString must not be blank");
        }
        if (INLINE_PASSWORD.matcher(connectionString).matches()) {
            throw new IllegalArgumentException("connectionString must not contain a password: give the password as a "
                    + "Secret (password(...)), or the whole connection string as a Secret");
        }
        boolean[] placeholder = new boolean[1];
        ConnectionString cs = parseWithoutPassword(connectionString, placeholder);
        if (strict && placeholder[0] && password == null) {
            throw new IllegalArgumentException("connectionString names user " + cs.getUsername() + ", whose "
                    + "authentication needs a password: give it with password(Secret)");
        }
        if (strict && password != null && cs.getCredential() == null) {
            throw new IllegalArgumentException("a password was given but connectionString names no user "
                    + "(mongodb://user@host/...)");
        }
        MongoConnection c = new MongoConnection(connectionString, password, null, describe(cs));
        if (strict) {
            c.credential(cs); // validates the mechanism now
        }
        return c;
    }

    /** A whole connection string, password included, read from a secret. */
    static MongoConnection of(Secret connectionString) {
        Objects.requireNonNull(connectionString, "connectionString");
        String s = reveal(connectionString);
        return new MongoConnection(null, null, connectionString, describe(parse(s, "the connection string secret")));
    }

    /**
     * Parses a connection string whose user has no password in it. The driver refuses a user
     * without a password for password mechanisms, so such a string is parsed with a placeholder
     * password (never sent: {@link #open()} replaces the credential with one holding the real
     * password) and {@code placeholder[0]} is set.
     */
    private static ConnectionString parseWithoutPassword(String text, boolean[] placeholder) {
        try {
            return new ConnectionString(text);
        } catch (RuntimeException e) {
            int scheme = text.indexOf("://");
            int end = scheme < 0 ? -1 : indexOfAny(text, scheme + 3, "/?#");
            int at = scheme < 0 ? -1 : text.lastIndexOf('@', end < 0 ? text.length() : end);
            if (at > scheme + 3) {
                placeholder[0] = true;
                return parse(text.substring(0, at) + ":placeholder" + text.substring(at), "connectionString");
            }
            return parse(text, "connectionString");
        }
    }

    private static int indexOfAny(String s, int from, String chars) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static ConnectionString parse(String s, String what) {
        try {
            return new ConnectionString(s);
        } catch (RuntimeException e) {
            // The driver's messages may quote parts of the string: none of it is repeated here.
            throw new IllegalArgumentException(what + " is not a valid MongoDB connection string "
                    + "(mongodb://[user@]host[:port][,host…]/[database][?options] or mongodb+srv://…)");
        }
    }

    /** Scheme, user, hosts and database: never a password, never query options. */
    private static String describe(ConnectionString cs) {
        StringBuilder b = new StringBuilder(cs.isSrvProtocol() ? "mongodb+srv://" : "mongodb://");
        if (cs.getUsername() != null) {
            b.append(cs.getUsername()).append('@');
        }
        b.append(String.join(",", cs.getHosts())).append('/');
        if (cs.getDatabase() != null) {
            b.append(cs.getDatabase());
        }
        return b.toString();
    }

    /** The deployment without credentials or options, e.g. {@code mongodb://backup@db1:27017/shop}. */
    String descriptor() {
        return descriptor;
    }

    /** {@code mongodb://hosts/} plus {@code database}: for naming a target database in messages and reports. */
    String descriptor(String database) {
        String d = descriptor;
        int slash = d.indexOf('/', d.indexOf("://") + 3);
        return d.substring(0, slash + 1) + database;
    }

    /** The database named in the connection string's path, or null. */
    String database() {
        return parsed().getDatabase();
    }

    private ConnectionString parsed() {
        return whole != null ? new ConnectionString(reveal(whole)) : parseWithoutPassword(text, new boolean[1]);
    }

    /** Opens a client; the caller closes it. */
    MongoClient open() {
        ConnectionString cs = parsed();
        MongoClientSettings.Builder b = MongoClientSettings.builder().applyConnectionString(cs)
                .applicationName("cairn");
        if (whole == null && password != null) {
            b.credential(credential(cs));
        }
        return MongoClients.create(b.build());
    }

    private MongoCredential credential(ConnectionString cs) {
        MongoCredential c = cs.getCredential();
        if (c == null || password == null) {
            return c;
        }
        char[] pw = chars(password);
        try {
            AuthenticationMechanism m = c.getAuthenticationMechanism();
            if (m == null) {
                return MongoCredential.createCredential(c.getUserName(), c.getSource(), pw);
            }
            switch (m) {
                case SCRAM_SHA_1:
                    return MongoCredential.createScramSha1Credential(c.getUserName(), c.getSource(), pw);
                case SCRAM_SHA_256:
                    return MongoCredential.createScramSha256Credential(c.getUserName(), c.getSource(), pw);
                case PLAIN:
                    return MongoCredential.createPlainCredential(c.getUserName(), c.getSource(), pw);
                case MONGODB_AWS: {
                    MongoCredential aws = MongoCredential.createAwsCredential(c.getUserName(), pw);
                    String token = c.getMechanismProperty(MongoCredential.AWS_SESSION_TOKEN_KEY, null);
                    return token == null ? aws : aws.withMechanismProperty(MongoCredential.AWS_SESSION_TOKEN_KEY, token);
                }
                default:
                    throw new IllegalArgumentException("authMechanism " + m.getMechanismName() + " takes no password "
                            + "here: give the whole connection string as a Secret instead");
            }
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    /**
     * Removes every occurrence of the password (or of the whole secret connection string) from a
     * message, for driver messages that might quote what they were given.
     */
    String scrub(String message) {
        if (message == null) {
            return "";
        }
        String out = message;
        for (Secret s : new Secret[] {password, whole}) {
            if (s != null) {
                String v = reveal(s);
                if (v.length() >= 3 && out.contains(v)) {
                    out = out.replace(v, "***");
                }
            }
        }
        return out;
    }

    private static String reveal(Secret s) {
        byte[] b = s.utf8();
        try {
            return new String(b, StandardCharsets.UTF_8);
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    private static char[] chars(Secret s) {
        byte[] b = s.utf8();
        try {
            CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(b));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            if (cb.hasArray()) {
                Arrays.fill(cb.array(), '\0');
            }
            return out;
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return descriptor;
    }
}
