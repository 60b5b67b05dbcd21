package dev.cairn.mongo;

import dev.cairn.Secret;

import java.util.Objects;

/**
 * The connection part of the builders: a connection string and a password given in any order, or a
 * whole connection string from a secret. Each call validates what it can at once; {@link #build()}
 * checks that they fit together. Not thread-safe.
 */
final class ConnectionSpec {
    private String text;
    private Secret password;
    private MongoConnection whole;

    void text(String connectionString) {
        MongoConnection.of(connectionString, null, false);
        this.text = connectionString;
        this.whole = null;
    }

    void password(Secret secret) {
        this.password = Objects.requireNonNull(secret, "password");
        this.whole = null;
    }

    void whole(Secret connectionString) {
        this.whole = MongoConnection.of(connectionString);
        this.text = null;
        this.password = null;
    }

    void connection(MongoConnection connection) {
        this.whole = Objects.requireNonNull(connection, "connection");
    }

    MongoConnection build() {
        if (whole != null) {
            return whole;
        }
        if (text == null) {
            throw new IllegalArgumentException("connectionString must be given");
        }
        return MongoConnection.of(text, password);
    }
}
