package dev.cairn.cli;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cairn.ConfigurationException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The configuration file, {@code cairn.yaml}: default settings, named repositories, sources and
 * jobs. Loading validates everything that can be checked without touching the outside world:
 * unknown keys, wrong types, duplicate keys, dangling names, and secrets written as literals all
 * fail with the file, the line and the key. Secret references are kept unresolved
 * ({@link ConfigValue}); {@link Secrets} resolves them when a command needs them.
 *
 * <pre>{@code
 * repository: local                  # default for commands without --repo / CAIRN_REPOSITORY
 * repositories:
 *   local:
 *     location: /srv/backup
 *     password: ${file:/etc/cairn/local.pass}
 * sources:
 *   www:
 *     paths: [/srv/www, /etc/nginx]
 *     exclude: ["*.tmp", "cache/**"]
 * jobs:
 *   nightly-www:
 *     type: backup
 *     repository: local
 *     source: www
 *     tags: [nightly]
 * }</pre>
 *
 * Immutable after {@link #load}; the model classes are read-only by convention. Nothing is null
 * except the optional scalars.
 */
final class Config {
    /** No configuration file: every lookup falls through to the environment and defaults. */
    static final Config NONE = new Config(null, new Root());

    /** The keys whose values are secrets: never a literal. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|private_?key|access_?key|api_?key).*");
    /** {@code ${scheme:rest}}, the whole value. */
    static final Pattern REFERENCE = Pattern.compile("\\$\\{([a-z][a-z0-9+.-]*):(.*)}", Pattern.DOTALL);

    /** The file, or null for {@link #NONE}. */
    final Path file;
    final Root root;

    private Config(Path file, Root root) {
        this.file = file;
        this.root = root;
    }

    /** Where the file's text is: {@code cairn.yaml:12}. */
    String where(int line) {
        String name = file == null ? "(no configuration file)" : file.toString();
        return line > 0 ? name + ":" + line : name;
    }

    // ------------------------------------------------------------------------ model

    /** The line of its key in the file (set after loading, from {@link #keyLines}). */
    abstract static class Located {
        /** Transient: not a key of the file. */
        transient int line;
    }

    /** The file's top level. */
    static final class Root extends Located {
        @JsonProperty("repository")
        String repository;
        @JsonProperty("host")
        String host;
        @JsonProperty("quiet")
        Boolean quiet;
        @JsonProperty("verbose")
        Boolean verbose;
        /** The root of the cache of remote repositories. */
        @JsonProperty("cacheDir")
        String cacheDir;
        @JsonProperty("repositories")
        Map<String, RepositoryConfig> repositories = new LinkedHashMap<>();
        @JsonProperty("sources")
        Map<String, SourceConfig> sources = new LinkedHashMap<>();
        @JsonProperty("jobs")
        Map<String, Job> jobs = new LinkedHashMap<>();
        /** Health objectives ({@code cairn status}, the daemon's grades). */
        @JsonProperty("objectives")
        ObjectivesConfig objectives;
        /** The daemon's scheduler: alone, or clustered on a JDBC job store. */
        @JsonProperty("scheduler")
        SchedulerConfig scheduler;
        /** Where grade changes go besides the log. */
        @JsonProperty("notifications")
        NotificationsConfig notifications;
    }

    /** {@code objectives}: {@code rpo: 26h, rto: 30m, sizeChange: 30%, slowerThan: 2x}. */
    static final class ObjectivesConfig extends Located {
        @JsonProperty("rpo")
        String rpo;
        @JsonProperty("rto")
        String rto;
        @JsonProperty("sizeChange")
        String sizeChange;
        @JsonProperty("slowerThan")
        String slowerThan;
    }

    /** {@code scheduler}: the daemon's runner. Without {@code jdbc}, the schedule lives in memory. */
    static final class SchedulerConfig extends Located {
        @JsonProperty("name")
        String name;
        @JsonProperty("instance-id")
        String instanceId;
        @JsonProperty("threads")
        Integer threads;
        @JsonProperty("misfire-threshold")
        String misfireThreshold;
        @JsonProperty("cluster-checkin-interval")
        String clusterCheckinInterval;
        @JsonProperty("shutdown-timeout")
        String shutdownTimeout;
        @JsonProperty("health-interval")
        String healthInterval;
        @JsonProperty("jdbc")
        JdbcConfig jdbc;
    }

    /** {@code scheduler.jdbc}: the clustered job store (MariaDB/MySQL or PostgreSQL). */
    static final class JdbcConfig extends Located {
        @JsonProperty("url")
        String url;
        @JsonProperty("user")
        String user;
        @JsonProperty("password")
        ConfigValue password;
        @JsonProperty("table-prefix")
        String tablePrefix;
        /** Create the tables at start when missing. */
        @JsonProperty("create-tables")
        Boolean createTables;
    }

    /** {@code notifications}. */
    static final class NotificationsConfig extends Located {
        @JsonProperty("webhook")
        WebhookConfig webhook;
    }

    /** {@code notifications.webhook}: grade changes POSTed as JSON. */
    static final class WebhookConfig extends Located {
        /** May be a reference: some services put the secret in the URL. */
        @JsonProperty("url")
        ConfigValue url;
        @JsonProperty("token")
        ConfigValue token;
        @JsonProperty("attempts")
        Integer attempts;
    }

    /** {@code repositories.NAME}. */
    static final class RepositoryConfig extends Located {
        @JsonProperty("location")
        String location;
        @JsonProperty("password")
        ConfigValue password;
    }

    /** {@code sources.NAME}: paths (with excludes), a source URI, or a command. */
    static final class SourceConfig extends Located {
        @JsonProperty("paths")
        List<String> paths;
        @JsonProperty("exclude")
        List<String> exclude;
        @JsonProperty("include")
        List<String> include;
        @JsonProperty("one-file-system")
        Boolean oneFileSystem;
        @JsonProperty("uri")
        String uri;
        @JsonProperty("command")
        List<String> command;
        /** The entry name of a command's output. */
        @JsonProperty("name")
        String name;
        /** Variables for the adapter or the command (database passwords): secrets must be references. */
        @JsonProperty("environment")
        Map<String, ConfigValue> environment;
    }

    /** {@code jobs.NAME}: what {@code cairn run NAME} does. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = BackupJob.class, name = "backup"),
            @JsonSubTypes.Type(value = CheckJob.class, name = "check"),
            @JsonSubTypes.Type(value = ForgetJob.class, name = "forget-prune"),
            @JsonSubTypes.Type(value = DrillJob.class, name = "drill")})
    abstract static class Job extends Located {
        /** A name under {@code repositories} (default: the top-level {@code repository}). */
        @JsonProperty("repository")
        String repository;
        /** Quartz cron expression ({@code 0 30 2 * * ?}): the daemon runs the job on it. */
        @JsonProperty("cron")
        String cron;
        /** The cron expression's time zone (default: the system's). */
        @JsonProperty("zone")
        String zone;
        /** {@code fire-now} (default) or {@code skip}: what the daemon does with a missed firing. */
        @JsonProperty("misfire")
        String misfire;
        /** The longest a run may take ({@code 4h}). */
        @JsonProperty("timeout")
        String timeout;

        abstract String type();
    }

    /** {@code type: forget-prune}: forget by retention rules, then prune. */
    static final class ForgetJob extends Job {
        @JsonProperty("keep-last")
        Integer keepLast;
        @JsonProperty("keep-hourly")
        Integer keepHourly;
        @JsonProperty("keep-daily")
        Integer keepDaily;
        @JsonProperty("keep-weekly")
        Integer keepWeekly;
        @JsonProperty("keep-monthly")
        Integer keepMonthly;
        @JsonProperty("keep-yearly")
        Integer keepYearly;
        @JsonProperty("keep-within")
        String keepWithin;
        @JsonProperty("keep-tag")
        List<String> keepTag;
        @JsonProperty("group-by")
        List<String> groupBy;
        @JsonProperty("prune-grace-period")
        String pruneGracePeriod;
        @JsonProperty("repack-below")
        String repackBelow;

        @Override
        String type() {
            return "forget-prune";
        }
    }

    /** {@code type: backup}: back up a source, tagged. */
    static final class BackupJob extends Job {
        @JsonProperty("source")
        String source;
        @JsonProperty("tags")
        List<String> tags;
        @JsonProperty("host")
        String host;

        @Override
        String type() {
            return "backup";
        }
    }

    /** {@code type: check}: check the repository, optionally reading (a subset of) the data. */
    static final class CheckJob extends Job {
        @JsonProperty("read-data")
        Boolean readData;
        @JsonProperty("read-data-subset")
        String readDataSubset;
        /** Read the least recently verified packs up to this size ({@code 2G}): the verification ledger. */
        @JsonProperty("read-data-budget")
        String readDataBudget;

        @Override
        String type() {
            return "check";
        }
    }

    /** {@code type: drill}: drill the latest snapshot of a source (or a given snapshot). */
    static final class DrillJob extends Job {
        @JsonProperty("source")
        String source;
        @JsonProperty("snapshot")
        String snapshot;
        @JsonProperty("scratch")
        String scratch;

        @Override
        String type() {
            return "drill";
        }
    }

    /**
     * A scalar that may be a secret reference, {@code ${env:NAME}}, {@code ${file:/path}} or
     * {@code ${scheme:…}}, with where it was written. {@link #toString()} never shows a literal.
     */
    @JsonDeserialize(using = ConfigValue.Deserializer.class)
    static final class ConfigValue {
        final String text;
        /** The dotted key path, e.g. {@code repositories.local.password}. */
        final String path;
        final int line;

        ConfigValue(String text, String path, int line) {
            this.text = text;
            this.path = path;
            this.line = line;
        }

        boolean isReference() {
            return REFERENCE.matcher(text).matches();
        }

        /** The reference's scheme ({@code env}, {@code file}…); only for references. */
        String scheme() {
            var m = REFERENCE.matcher(text);
            return m.matches() ? m.group(1) : null;
        }

        /** What follows the scheme's colon; only for references. */
        String rest() {
            var m = REFERENCE.matcher(text);
            return m.matches() ? m.group(2) : null;
        }

        @Override
        public String toString() {
            return isReference() ? text : "(literal)";
        }

        static final class Deserializer extends JsonDeserializer<ConfigValue> {
            @Override
            public ConfigValue deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonLocation at = p.currentTokenLocation();
                String path = path(p.getParsingContext());
                if (!p.currentToken().isScalarValue()) {
                    throw MismatchedInputException.from(p, ConfigValue.class, "not a single value");
                }
                return new ConfigValue(p.getText(), path, at.getLineNr());
            }

            @Override
            public ConfigValue getNullValue(DeserializationContext ctxt) {
                return null;
            }
        }
    }

    // ------------------------------------------------------------------------ loading

    /** Built on first use: a run without a configuration file does not pay Jackson's YAML set-up (0.2 s). */
    private static final class Yaml {
        static final YAMLMapper MAPPER = mapper();
    }

    private static YAMLMapper mapper() {
        return YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .enable(DeserializationFeature.FAIL_ON_MISSING_EXTERNAL_TYPE_ID_PROPERTY)
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .visibility(PropertyAccessor.ALL, Visibility.NONE)
                .visibility(PropertyAccessor.FIELD, Visibility.ANY)
                .build();
    }

    /** Reads and validates a configuration file. */
    static Config load(Path file) {
        Root root;
        try (Reader r = Files.newBufferedReader(file); JsonParser p = Yaml.MAPPER.createParser(r)) {
            // An empty file (or one with only comments) is an empty configuration.
            root = p.nextToken() == null ? new Root() : Yaml.MAPPER.readValue(p, Root.class);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException("Configuration file " + file + " does not exist.", e);
        } catch (UnrecognizedPropertyException e) {
            List<String> known = new ArrayList<>();
            for (Object k : e.getKnownPropertyIds() == null ? List.of() : e.getKnownPropertyIds()) {
                if (!k.toString().equals("type")) {
                    known.add(k.toString());
                }
            }
            String in = path(e.getPath().subList(0, Math.max(0, e.getPath().size() - 1)));
            throw new ConfigurationException(file + ":" + line(e) + ": unknown key '" + e.getPropertyName() + "'"
                    + (in.isEmpty() ? " at the top level" : " in " + in) + "; the keys there are "
                    + String.join(", ", new TreeSet<>(known)) + ".", e);
        } catch (InvalidTypeIdException e) {
            String in = path(e.getPath());
            throw new ConfigurationException(file + ":" + line(e) + ": " + (in.isEmpty() ? "a job" : in)
                    + (e.getTypeId() == null ? " has no type" : " has type '" + e.getTypeId() + "'")
                    + "; a job's type is one of backup, forget-prune, check, drill.", e);
        } catch (MismatchedInputException e) {
            String in = path(e.getPath());
            throw new ConfigurationException(file + ":" + line(e) + ": " + (in.isEmpty() ? "the file" : in)
                    + " has the wrong form: expected " + expected(e.getTargetType()) + ".", e);
        } catch (JsonMappingException e) {
            String m = firstLine(e.getOriginalMessage());
            String in = path(e.getPath());
            throw new ConfigurationException(file + ":" + line(e) + ": " + (in.isEmpty() ? "" : in + ": ")
                    + duplicate(m), e);
        } catch (JsonProcessingException e) {
            String m = firstLine(e.getOriginalMessage());
            throw new ConfigurationException(file + ":" + line(e) + ": "
                    + (m.startsWith("Duplicate field ") ? duplicate(m) : "not valid YAML: " + m), e);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        Config c = new Config(file, root == null ? new Root() : root);
        c.normalize();
        c.locate(keyLines(file));
        c.validate();
        return c;
    }

    private static String duplicate(String m) {
        return m.startsWith("Duplicate field ") ? "duplicate key " + m.substring("Duplicate field ".length())
                + ": each key may appear once in a mapping." : m;
    }

    private static int line(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        return l == null ? 0 : l.getLineNr();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static String expected(Class<?> t) {
        if (t == null) {
            return "another form";
        }
        if (Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(t) || Located.class.isAssignableFrom(t)) {
            return "a mapping of keys";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        return "a single value";
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String path(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.add(0, c.getCurrentName());
            } else if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        return String.join(".", parts).replace(".[", "[");
    }

    /**
     * The line of every key of the file, by dotted path ({@code jobs.nightly}). A separate pass over
     * the tokens: a job's own location is lost when Jackson buffers it to find its {@code type}.
     */
    private static Map<String, Integer> keyLines(Path file) {
        Map<String, Integer> lines = new java.util.HashMap<>();
        try (Reader r = Files.newBufferedReader(file); JsonParser p = Yaml.MAPPER.createParser(r)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME) {
                    lines.putIfAbsent(path(p.getParsingContext()), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // Parsed once already; without lines, messages name the file only.
        }
        return lines;
    }

    private void locate(Map<String, Integer> lines) {
        root.line = 1;
        root.repositories.forEach((k, v) -> setLine(v, lines.get("repositories." + k)));
        root.sources.forEach((k, v) -> setLine(v, lines.get("sources." + k)));
        root.jobs.forEach((k, v) -> setLine(v, lines.get("jobs." + k)));
    }

    private static void setLine(Located l, Integer line) {
        if (l != null && line != null) {
            l.line = line;
        }
    }

    private void normalize() {
        if (root.repositories == null) {
            root.repositories = new LinkedHashMap<>();
        }
        if (root.sources == null) {
            root.sources = new LinkedHashMap<>();
        }
        if (root.jobs == null) {
            root.jobs = new LinkedHashMap<>();
        }
    }

    private ConfigurationException problem(int line, String message) {
        return new ConfigurationException(where(line) + ": " + message);
    }

    /** Checks what Jackson cannot: required keys, exclusive keys, names that must exist, literal secrets. */
    private void validate() {
        for (var e : root.repositories.entrySet()) {
            String at = "repositories." + e.getKey();
            RepositoryConfig r = nonNull(e.getValue(), at, "location");
            if (r.location == null || r.location.isBlank()) {
                throw problem(r.line, at + " has no location: add `location: /srv/backup` (or s3://bucket/prefix).");
            }
            if (r.password != null) {
                requireReference(r.password, "the repository password");
            }
        }
        for (var e : root.sources.entrySet()) {
            String at = "sources." + e.getKey();
            SourceConfig s = nonNull(e.getValue(), at, "paths");
            int kinds = (s.paths != null ? 1 : 0) + (s.uri != null ? 1 : 0) + (s.command != null ? 1 : 0);
            if (kinds != 1) {
                throw problem(s.line, at + " needs exactly one of paths (files and directories), uri (an adapter's "
                        + "source, e.g. mysql://backup@db1/shop) or command (a program whose output is stored).");
            }
            if (s.paths != null && s.paths.isEmpty()) {
                throw problem(s.line, at + ".paths is empty: list at least one file or directory.");
            }
            if (s.paths == null && (s.exclude != null || s.include != null || s.oneFileSystem != null)) {
                throw problem(s.line, at + ": exclude, include and one-file-system apply to paths only.");
            }
            if (s.command != null && (s.name == null || s.name.isBlank() || s.command.isEmpty())) {
                throw problem(s.line, at + ": a command source needs `command: [prog, arg…]` and `name:` (the entry "
                        + "name of its output, e.g. shop.sql).");
            }
            if (s.command == null && s.name != null) {
                throw problem(s.line, at + ".name applies to a command source only.");
            }
            if (s.paths != null && s.environment != null) {
                throw problem(s.line, at + ".environment applies to uri and command sources only.");
            }
            if (s.environment != null) {
                for (var v : s.environment.entrySet()) {
                    if (v.getValue() == null) {
                        throw problem(s.line, at + ".environment." + v.getKey() + " has no value.");
                    }
                    if (SECRET_NAME.matcher(v.getKey()).matches()) {
                        requireReference(v.getValue(), "a secret");
                    }
                }
            }
        }
        if (root.repository != null && root.repository.isBlank()) {
            throw problem(0, "repository is blank: name one of repositories, or a location.");
        }
        for (var e : root.jobs.entrySet()) {
            String at = "jobs." + e.getKey();
            Job j = e.getValue();
            if (j == null) {
                throw problem(0, at + " is empty: give at least `type: backup|check|drill`.");
            }
            String repo = j.repository != null ? j.repository : root.repository;
            if (repo == null) {
                throw problem(j.line, at + " names no repository: add `repository: NAME` (one of "
                        + names(root.repositories.keySet()) + ") or a top-level `repository:`.");
            }
            if (!root.repositories.containsKey(repo)) {
                throw problem(j.line, at + ": repository '" + repo + "' is not defined under repositories (defined: "
                        + names(root.repositories.keySet()) + "). A job names its repository, so that it can find "
                        + "the password reference.");
            }
            if (j instanceof BackupJob b) {
                requireSource(at, b.line, b.source, true);
            } else if (j instanceof DrillJob d) {
                if ((d.source == null) == (d.snapshot == null)) {
                    throw problem(d.line, at + " needs either `source: NAME` (drill its latest snapshot) or "
                            + "`snapshot: ID|latest`.");
                }
                requireSource(at, d.line, d.source, false);
            } else if (j instanceof CheckJob c) {
                int n = (Boolean.TRUE.equals(c.readData) ? 1 : 0) + (c.readDataSubset != null ? 1 : 0)
                        + (c.readDataBudget != null ? 1 : 0);
                if (n > 1) {
                    throw problem(c.line, at + ": give one of read-data, read-data-subset, read-data-budget.");
                }
                if (c.readDataBudget != null) {
                    check(c.line, at + ".read-data-budget", () -> Values.size(c.readDataBudget));
                }
            } else if (j instanceof ForgetJob f) {
                validateForget(at, f);
            }
            validateSchedule(at, j);
        }
        validateOperations();
    }

    private void validateSchedule(String at, Job j) {
        if (j.cron != null) {
            check(j.line, at + ".cron", () -> dev.cairn.schedule.Schedule.cron(j.cron));
        }
        if (j.cron == null && (j.zone != null || j.misfire != null)) {
            throw problem(j.line, at + ": zone and misfire apply to a job with a cron expression: add `cron: "
                    + "\"0 30 2 * * ?\"` (seconds minutes hours day-of-month month day-of-week).");
        }
        if (j.zone != null) {
            check(j.line, at + ".zone", () -> Values.zone(j.zone));
        }
        if (j.misfire != null) {
            check(j.line, at + ".misfire", () -> Values.misfire(j.misfire));
        }
        if (j.timeout != null) {
            check(j.line, at + ".timeout", () -> Values.duration(j.timeout));
        }
    }

    private void validateForget(String at, ForgetJob f) {
        boolean any = false;
        for (Integer n : java.util.Arrays.asList(f.keepLast, f.keepHourly, f.keepDaily, f.keepWeekly, f.keepMonthly,
                f.keepYearly)) {
            if (n != null) {
                any = true;
                if (n < 0) {
                    throw problem(f.line, at + ": keep-* counts must not be negative: " + n + ".");
                }
            }
        }
        if (f.keepWithin != null) {
            any = true;
            check(f.line, at + ".keep-within", () -> Values.duration(f.keepWithin));
        }
        if (f.keepTag != null && !f.keepTag.isEmpty()) {
            any = true;
        }
        if (!any) {
            throw problem(f.line, at + " has no retention rule: add keep-last, keep-hourly, keep-daily, keep-weekly, "
                    + "keep-monthly, keep-yearly, keep-within or keep-tag (a job never forgets everything).");
        }
        if (f.groupBy != null) {
            for (String g : f.groupBy) {
                if (!List.of("host", "source", "tags").contains(g)) {
                    throw problem(f.line, at + ".group-by: '" + g + "' is not one of host, source, tags.");
                }
            }
        }
        if (f.pruneGracePeriod != null) {
            check(f.line, at + ".prune-grace-period", () -> Values.duration(f.pruneGracePeriod));
        }
        if (f.repackBelow != null) {
            check(f.line, at + ".repack-below", () -> Values.fraction(f.repackBelow));
        }
    }

    private void validateOperations() {
        ObjectivesConfig o = root.objectives;
        if (o != null) {
            check(o.line, "objectives", () -> Values.objectives(o));
        }
        SchedulerConfig s = root.scheduler;
        if (s != null) {
            for (var d : java.util.Arrays.asList(new String[] {"misfire-threshold", s.misfireThreshold},
                    new String[] {"cluster-checkin-interval", s.clusterCheckinInterval},
                    new String[] {"shutdown-timeout", s.shutdownTimeout},
                    new String[] {"health-interval", s.healthInterval})) {
                if (d[1] != null) {
                    check(s.line, "scheduler." + d[0], () -> Values.duration(d[1]));
                }
            }
            if (s.threads != null && (s.threads < 1 || s.threads > 100)) {
                throw problem(s.line, "scheduler.threads must be 1..100: " + s.threads + ".");
            }
            if (s.jdbc != null) {
                if (s.jdbc.url == null) {
                    throw problem(s.line, "scheduler.jdbc has no url: add `url: jdbc:mariadb://db1:3306/cairn` (or "
                            + "jdbc:postgresql://…).");
                }
                check(s.line, "scheduler.jdbc.url", () -> dev.cairn.schedule.BackupScheduler.builder()
                        .jdbc(s.jdbc.url, s.jdbc.user, null));
                if (s.jdbc.tablePrefix != null) {
                    check(s.line, "scheduler.jdbc.table-prefix", () -> dev.cairn.schedule.BackupScheduler.builder()
                            .tablePrefix(s.jdbc.tablePrefix));
                }
                if (s.jdbc.password != null) {
                    requireReference(s.jdbc.password, "the job store's database password");
                }
            }
        }
        NotificationsConfig n = root.notifications;
        if (n != null && n.webhook != null) {
            WebhookConfig w = n.webhook;
            if (w.url == null) {
                throw problem(n.line, "notifications.webhook has no url.");
            }
            if (!w.url.isReference()) {
                check(n.line, "notifications.webhook.url", () -> dev.cairn.health.WebhookNotifier.builder(
                        Values.uri(w.url.text)));
            }
            if (w.token != null) {
                requireReference(w.token, "a webhook token");
            }
            if (w.attempts != null && (w.attempts < 1 || w.attempts > 20)) {
                throw problem(n.line, "notifications.webhook.attempts must be 1..20: " + w.attempts + ".");
            }
        }
    }

    /** Runs a parse or builder call; its IllegalArgumentException becomes a problem at {@code line}. */
    private void check(int line, String at, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            throw problem(line, at + ": " + e.getMessage());
        }
    }

    private <T> T nonNull(T v, String at, String example) {
        if (v == null) {
            throw problem(0, at + " is empty: give at least `" + example + ":`.");
        }
        return v;
    }

    private void requireSource(String at, int line, String source, boolean required) {
        if (source == null) {
            if (required) {
                throw problem(line, at + " names no source: add `source: NAME` (one of " + names(root.sources.keySet())
                        + ").");
            }
            return;
        }
        if (!root.sources.containsKey(source)) {
            throw problem(line, at + ": source '" + source + "' is not defined under sources (defined: "
                    + names(root.sources.keySet()) + ").");
        }
    }

    private void requireReference(ConfigValue v, String what) {
        if (!v.isReference()) {
            // Never echo the value: it is a secret.
            throw problem(v.line, v.path + " is written as a literal; " + what + " is never stored in the "
                    + "configuration file. Reference it instead: " + lastKey(v.path) + ": ${file:/etc/cairn/"
                    + suggestedName(v.path) + "} (a file readable only by the backup user, mode 0600), or "
                    + lastKey(v.path) + ": ${env:" + suggestedVar(v.path) + "}, or a secret store's reference such "
                    + "as ${vault:secret/cairn#password} when a SecretResolver for it is installed.");
        }
    }

    private static String lastKey(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    private static String suggestedName(String path) {
        String[] p = path.split("\\.");
        return (p.length >= 2 ? p[1] : "cairn") + ".pass";
    }

    private static String suggestedVar(String path) {
        String[] p = path.split("\\.");
        if (p.length >= 3 && p[2].equals("environment")) {
            return p[p.length - 1];
        }
        return (p.length >= 2 ? p[1] : "CAIRN").toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_PASSWORD";
    }

    static String names(Collection<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    // ------------------------------------------------------------------------ lookups

    /** The entry named {@code name}, or the entry whose location is {@code name}, or null. */
    RepositoryConfig repository(String name) {
        RepositoryConfig r = root.repositories.get(name);
        if (r != null) {
            return r;
        }
        for (RepositoryConfig c : root.repositories.values()) {
            if (c.location.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The name of a repository entry (for messages). */
    String nameOf(RepositoryConfig r) {
        return root.repositories.entrySet().stream().filter(e -> e.getValue() == r).map(Map.Entry::getKey)
                .findFirst().orElse("?");
    }

    Job job(String name) {
        Job j = root.jobs.get(name);
        if (j == null) {
            throw new ConfigurationException("No job '" + name + "' in " + where(0) + " (jobs: "
                    + names(root.jobs.keySet()) + ").");
        }
        return j;
    }
}
