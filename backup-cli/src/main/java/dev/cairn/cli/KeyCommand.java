package dev.cairn.cli;

import dev.cairn.KeyInfo;
import dev.cairn.Repository;
import dev.cairn.Secret;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

import java.util.ArrayList;
import java.util.List;

/** {@code cairn key list|add|remove|passwd}: the passwords that open the repository. */
@Command(name = "key",
        description = {"Manage the repository's keys (each key is one password that opens it).", "",
                "  cairn key list",
                "  CAIRN_NEW_PASSWORD_FILE=/etc/cairn/new.pass cairn key add", ""},
        subcommands = {KeyCommand.ListKeys.class, KeyCommand.Add.class, KeyCommand.Remove.class,
                KeyCommand.Passwd.class})
final class KeyCommand extends RepoCommand {
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing key command: one of list, add, remove, passwd");
    }

    @Command(name = "list",
            description = "List the keys; * marks the one in use.")
    static final class ListKeys extends RepoCommand {
        @Option(names = "--json", description = "Print a JSON array of keys.")
        boolean json;

        @Override
        public Integer call() {
            List<KeyInfo> keys;
            try (Repository repo = open()) {
                keys = repo.keys();
            }
            if (json) {
                ArrayNode a = Json.array();
                for (KeyInfo k : keys) {
                    ObjectNode n = a.addObject();
                    n.put("id", k.id());
                    n.put("shortId", k.shortId());
                    n.put("current", k.current());
                    n.put("created", k.created().toString());
                    n.put("host", k.host());
                    n.put("username", k.username());
                }
                Json.print(out(), a);
                return Main.OK;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {" ID", "CREATED", "HOST", "USER"});
            for (KeyInfo k : keys) {
                rows.add(new String[] {(k.current() ? "*" : " ") + k.shortId(), Format.time(k.created()),
                        Format.printable(k.host()), Format.printable(k.username())});
            }
            Format.table(rows).forEach(out()::println);
            return Main.OK;
        }
    }

    @Command(name = "add",
            description = {"Add a key (another password that opens the repository).", "",
                    "Its password comes from CAIRN_NEW_PASSWORD or CAIRN_NEW_PASSWORD_FILE.", ""})
    static final class Add extends RepoCommand {
        @Override
        public Integer call() {
            Repository.Builder b = Env.kdf(builder(), env());
            Secret fresh = Env.newPassword(env());
            try (Repository repo = open(b)) {
                KeyInfo k = repo.addKey(fresh);
                say("Added key " + k.shortId() + ".");
            } finally {
                fresh.clear();
            }
            return Main.OK;
        }
    }

    @Command(name = "remove",
            description = "Remove a key (not the one in use).")
    static final class Remove extends RepoCommand {
        @Parameters(paramLabel = "ID", description = "Key id or unique id prefix, as key list shows it.")
        String id;

        @Override
        public Integer call() {
            try (Repository repo = open()) {
                String shown = repo.keys().stream().filter(k -> k.id().startsWith(id)).map(KeyInfo::shortId)
                        .findFirst().orElse(id);
                repo.removeKey(id);
                say("Removed key " + shown + ".");
            }
            return Main.OK;
        }
    }

    @Command(name = "passwd",
            description = {"Change the password of the key in use.", "",
                    "The new password comes from CAIRN_NEW_PASSWORD or CAIRN_NEW_PASSWORD_FILE. Writes a new key, then "
                            + "removes the old one.", ""})
    static final class Passwd extends RepoCommand {
        @Override
        public Integer call() {
            Repository.Builder b = Env.kdf(builder(), env());
            Secret fresh = Env.newPassword(env());
            try (Repository repo = open(b)) {
                String old = repo.keys().stream().filter(KeyInfo::current).map(KeyInfo::shortId).findFirst()
                        .orElse("?");
                KeyInfo k = repo.changePassword(fresh);
                say("Changed the password: key " + k.shortId() + " replaces key " + old + ".");
            } finally {
                fresh.clear();
            }
            return Main.OK;
        }
    }
}
