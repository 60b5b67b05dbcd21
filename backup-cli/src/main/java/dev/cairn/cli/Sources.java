package dev.cairn.cli;

import dev.cairn.Adapters;
import dev.cairn.ConfigurationException;
import dev.cairn.cli.Config.ConfigValue;
import dev.cairn.cli.Config.SourceConfig;
import dev.cairn.source.CommandSource;
import dev.cairn.source.Source;
import dev.cairn.source.fs.FileSystemSource;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Builds core {@link Source}s from command-line arguments or a configured source. Stateless. */
final class Sources {
    private Sources() {
    }

    /** Files and directories, with the include and exclude rules; every path must exist. */
    static FileSystemSource files(List<String> paths, List<String> excludes, List<String> includes,
                                  boolean oneFileSystem) {
        return usage(() -> {
            FileSystemSource.Builder b = FileSystemSource.builder();
            for (String a : paths) {
                Path p = Path.of(a);
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ConfigurationException("Path " + a + " does not exist: nothing was backed up.");
                }
                b.path(p);
            }
            excludes.forEach(b::exclude);
            includes.forEach(b::include);
            return b.oneFileSystem(oneFileSystem).build();
        });
    }

    /**
     * A command whose standard output is stored as {@code name}. The core removes CAIRN_* variables
     * from the command's environment; this also blanks every variable a {@code ${env:…}} reference
     * of the configuration file names (a repository password, say), so that only the variables
     * given in {@code environment} reach it.
     */
    static CommandSource command(String name, List<String> command, Map<String, String> environment, Config config) {
        return command(name, command, environment, config, "default");
    }

    /** As above, cut with the repository's named chunker set ({@code stream} for piped dumps). */
    static CommandSource command(String name, List<String> command, Map<String, String> environment, Config config,
                                 String chunking) {
        return usage(() -> {
            CommandSource.Builder b = CommandSource.builder().name(name).command(command).chunking(chunking);
            for (String var : referencedVariables(config)) {
                b.environment(var, "");
            }
            environment.forEach(b::environment);
            return b.build();
        });
    }

    /** The source a configuration entry describes; its {@code environment} references are resolved now. */
    static Source configured(Config config, String name, Secrets secrets, Map<String, String> env) {
        SourceConfig s = config.root.sources.get(name);
        if (s == null) {
            throw new ConfigurationException("No source '" + name + "' in " + config.where(0) + " (sources: "
                    + Config.names(config.root.sources.keySet()) + ").");
        }
        try {
            if (s.paths != null) {
                return files(s.paths, s.exclude == null ? List.of() : s.exclude,
                        s.include == null ? List.of() : s.include, Boolean.TRUE.equals(s.oneFileSystem));
            }
            Map<String, String> extra = new HashMap<>();
            if (s.environment != null) {
                for (Map.Entry<String, ConfigValue> e : s.environment.entrySet()) {
                    extra.put(e.getKey(), secrets.text(e.getValue()));
                }
            }
            if (s.command != null) {
                return command(s.name, s.command, extra, config);
            }
            Map<String, String> all = new HashMap<>(env);
            all.putAll(extra);
            return Adapters.source(s.uri, all);
        } catch (ConfigurationException e) {
            throw new ConfigurationException(config.where(s.line) + ": sources." + name + ": " + e.getMessage(), e);
        }
    }

    /** Names of the environment variables the file's {@code ${env:…}} references read. */
    static Set<String> referencedVariables(Config config) {
        Set<String> vars = new TreeSet<>();
        for (Config.RepositoryConfig r : config.root.repositories.values()) {
            addVar(vars, r.password);
        }
        for (SourceConfig s : config.root.sources.values()) {
            if (s.environment != null) {
                s.environment.values().forEach(v -> addVar(vars, v));
            }
        }
        return vars;
    }

    private static void addVar(Set<String> vars, ConfigValue v) {
        if (v != null && v.isReference() && "env".equals(v.scheme())) {
            vars.add(v.rest());
        }
    }

    private static <T> T usage(Supplier<T> call) {
        return RepoCommand.usage(call);
    }
}
