package dev.cairn.cli;

import dev.cairn.ConfigurationException;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The option table: each setting's command-line option, environment variable and configuration
 * file key. A value comes from the first of: the option, the environment variable, the file, the
 * default. The repository password has no option (passwords are never arguments): it comes from
 * {@code CAIRN_PASSWORD} / {@code CAIRN_PASSWORD_FILE}, else the repository entry's
 * {@code password} reference in the file. {@code cairn run JOB} uses only what the job names.
 */
enum Setting {
    /** The configuration file. */
    CONFIG("--config", "CAIRN_CONFIG", null, "./cairn.yaml if present, else /etc/cairn/cairn.yaml if present",
            c -> null),
    /** A repository location, or the name of an entry under {@code repositories}. */
    REPOSITORY("--repo", "CAIRN_REPOSITORY", "repository", "none", c -> c.root.repository),
    /** The host name written into new snapshots (backup). */
    HOST("--host", "CAIRN_HOST", "host", "this machine's host name", c -> c.root.host),
    /** The root of the cache of remote repositories. */
    CACHE_DIR("--cache-dir", "CAIRN_CACHE_DIR", "cacheDir", "$XDG_CACHE_HOME/cairn, else ~/.cache/cairn",
            c -> c.root.cacheDir),
    /** No cache. */
    NO_CACHE("--no-cache", "CAIRN_NO_CACHE", null, "false", c -> null),
    /** No summaries. */
    QUIET("--quiet", "CAIRN_QUIET", "quiet", "false", c -> c.root.quiet == null ? null : c.root.quiet.toString()),
    /** Stack traces and debug logs. */
    VERBOSE("--verbose", "CAIRN_VERBOSE", "verbose", "false",
            c -> c.root.verbose == null ? null : c.root.verbose.toString());

    final String option;
    final String variable;
    /** The top-level key in cairn.yaml, or null. */
    final String key;
    final String defaultText;
    private final Function<Config, String> fromFile;

    Setting(String option, String variable, String key, String defaultText, Function<Config, String> fromFile) {
        this.option = option;
        this.variable = variable;
        this.key = key;
        this.defaultText = defaultText;
        this.fromFile = fromFile;
    }

    /** A value and where it came from ("--repo", "CAIRN_REPOSITORY", "cairn.yaml"), or both null. */
    record Value(String value, String origin) {
        boolean isSet() {
            return value != null;
        }
    }

    /** The value by precedence: {@code cli} (null if not given), environment, file, none. */
    Value resolve(String cli, Map<String, String> env, Config config) {
        if (cli != null && !cli.isBlank()) {
            return new Value(cli, option);
        }
        String e = env.get(variable);
        if (e != null && !e.isBlank()) {
            return new Value(e.strip(), variable);
        }
        String f = fromFile.apply(config);
        if (f != null) {
            return new Value(f, config.where(0) + " (" + key + ")");
        }
        return new Value(null, null);
    }

    /** A boolean setting: the option's flag when given, else the environment, else the file, else false. */
    boolean flag(boolean cli, Map<String, String> env, Config config) {
        Value v = resolve(cli ? "true" : null, env, config);
        if (!v.isSet()) {
            return false;
        }
        return switch (v.value().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off", "" -> false;
            default -> throw new ConfigurationException(v.origin() + " must be true or false: " + v.value());
        };
    }
}
