package dev.cairn.cli;

import dev.cairn.Repository;
import dev.cairn.Secret;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn init}: creates a repository. */
@Command(name = "init",
        description = {"Create a repository.", "",
                "It is protected by the password in CAIRN_PASSWORD or CAIRN_PASSWORD_FILE, or the one the "
                        + "configuration file references for it.", "",
                "  cairn init --repo /srv/backup",
                "  cairn init --repo 's3://backups/cairn?createBucket=true'", ""})
final class InitCommand extends RepoCommand {
    @Option(names = "--json", description = "Print one JSON object: id, location.")
    boolean json;

    @Override
    public Integer call() {
        Target t = target();
        Repository.Builder b = Env.kdf(Repository.at(t.location()), env());
        Secret password = password(t);
        try (Repository repo = b.password(password).init()) {
            if (json) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("id", repo.id());
                n.put("location", repo.location());
                Json.print(out(), n);
                return Main.OK;
            }
            say("Created repository " + repo.id().substring(0, 8) + " at " + repo.location() + ".");
            say("Keep the password safe: without it the data cannot be read.");
        } finally {
            password.clear();
        }
        return Main.OK;
    }
}
