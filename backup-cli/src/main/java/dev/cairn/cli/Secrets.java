package dev.cairn.cli;

import dev.cairn.ConfigurationException;
import dev.cairn.Secret;
import dev.cairn.cli.Config.ConfigValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Resolves the configuration file's secret references: {@code ${env:NAME}} from the run's
 * environment, {@code ${file:/path}} from the first line of a file (a relative path is relative to
 * the configuration file's directory), and any other scheme through a {@link SecretResolver} found
 * by {@link ServiceLoader}. Resolvers are loaded on first use. One instance per run; not thread-safe.
 */
final class Secrets {
    private final Config config;
    private final Map<String, String> env;
    private Map<String, SecretResolver> resolvers;

    Secrets(Config config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    /** The secret a reference names. The value is never part of a message. */
    Secret resolve(ConfigValue v) {
        if (!v.isReference()) {
            throw new ConfigurationException(config.where(v.line) + ": " + v.path + " is not a reference.");
        }
        String scheme = v.scheme();
        String rest = v.rest();
        String at = config.where(v.line) + ": " + v.path + " (" + v.text + ")";
        switch (scheme) {
            case "env" -> {
                String value = env.get(rest);
                if (value == null || value.isEmpty()) {
                    throw new ConfigurationException(at + ": environment variable " + rest + " is not set or empty. "
                            + "Set it for this process (a systemd unit's Environment= or EnvironmentFile=, or the "
                            + "crontab), or reference a file instead: ${file:/etc/cairn/secret}.");
                }
                char[] chars = value.toCharArray();
                try {
                    return Secret.of(chars);
                } finally {
                    Arrays.fill(chars, '\0');
                }
            }
            case "file" -> {
                if (rest.isBlank()) {
                    throw new ConfigurationException(at + ": the file reference names no file: ${file:/path}.");
                }
                Path p = Path.of(rest);
                if (!p.isAbsolute() && config.file != null && config.file.toAbsolutePath().getParent() != null) {
                    p = config.file.toAbsolutePath().getParent().resolve(p);
                }
                try {
                    return Secret.fromFile(p);
                } catch (ConfigurationException e) {
                    throw new ConfigurationException(at + ": " + e.getMessage(), e);
                }
            }
            default -> {
                SecretResolver r = resolvers().get(scheme);
                if (r == null) {
                    throw new ConfigurationException(at + ": no secret resolver for '" + scheme + "' (known: env, file"
                            + (resolvers().isEmpty() ? "" : ", " + String.join(", ", resolvers().keySet()))
                            + "). Put the jar of a dev.cairn.cli.SecretResolver for it on the class path.");
                }
                Secret s;
                try {
                    s = r.resolve(rest, env);
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException(at + ": malformed reference: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new ConfigurationException(at + ": the " + scheme + " secret store failed: "
                            + e.getMessage(), e);
                }
                if (s == null) {
                    throw new ConfigurationException(at + ": the " + scheme + " resolver returned nothing.");
                }
                return s;
            }
        }
    }

    /** A value for a variable: a literal as written, or a reference's secret as text. */
    String text(ConfigValue v) {
        if (!v.isReference()) {
            return v.text;
        }
        Secret s = resolve(v);
        try {
            byte[] b = s.utf8();
            try {
                return new String(b, StandardCharsets.UTF_8);
            } finally {
                Arrays.fill(b, (byte) 0);
            }
        } finally {
            s.clear();
        }
    }

    private Map<String, SecretResolver> resolvers() {
        if (resolvers == null) {
            Map<String, SecretResolver> m = new TreeMap<>();
            for (SecretResolver r : ServiceLoader.load(SecretResolver.class)) {
                String s = r.scheme();
                if (s.equals("env") || s.equals("file")) {
                    throw new ConfigurationException("Secret resolver " + r.getClass().getName() + " claims the "
                            + "built-in scheme '" + s + "'. Remove it from the class path.");
                }
                SecretResolver prev = m.put(s, r);
                if (prev != null) {
                    throw new ConfigurationException("Two secret resolvers for '" + s + "': "
                            + prev.getClass().getName() + " and " + r.getClass().getName() + ". Remove one.");
                }
            }
            resolvers = m;
        }
        return resolvers;
    }
}
