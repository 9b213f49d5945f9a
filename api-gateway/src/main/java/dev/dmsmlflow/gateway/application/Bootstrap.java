package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.persistence.MemberEntity;
import dev.dmsmlflow.gateway.persistence.MemberRepository;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * First start: when {@code dms.gateway.bootstrap.key-file} is set and no member exists yet, creates the owner
 * {@code admin}, the workspace {@code dms.gateway.bootstrap.workspace-id} and an unscoped API key, and writes the key
 * to that file (mode 0600). Never logs the key. Does nothing once any member exists, so restarts change nothing;
 * replicas starting together take a database lock and only one of them creates.
 */
@ApplicationScoped
public class Bootstrap {

    private static final Logger LOG = Logger.getLogger(Bootstrap.class);

    private final GatewayConfig config;
    private final MemberRepository members;
    private final Workspaces workspaces;
    private final Keys keys;
    private final EntityManager em;

    Bootstrap(GatewayConfig config, MemberRepository members, Workspaces workspaces, Keys keys,
              EntityManager em) {
        this.config = config;
        this.members = members;
        this.workspaces = workspaces;
        this.keys = keys;
        this.em = em;
    }

    void onStart(@Observes StartupEvent event) {
        config.bootstrap().keyFile().ifPresent(this::run);
    }

    /** Creates the first owner, workspace and key unless a member exists; true when it created them. */
    public boolean run(Path keyFile) {
        boolean[] written = {false};
        try {
            boolean created = QuarkusTransaction.requiringNew().call(() -> {
                AdvisoryLocks.lockUntilCommit(em, "gateway-bootstrap", "first-owner");
                if (members.count() > 0) {
                    return false;
                }
                String workspaceId = config.bootstrap().workspaceId();
                if (!Ids.isWorkspaceId(workspaceId)) {
                    throw new IllegalStateException("dms.gateway.bootstrap.workspace-id must match " + Ids.WORKSPACE_PATTERN);
                }
                MemberEntity admin = workspaces.newMember(config.bootstrap().memberName());
                workspaces.create(workspaceId, workspaceId, admin.id);
                Keys.Issued issued = keys.issue(admin.id, null, "bootstrap", null, admin.id);
                members.flush();
                // written before the commit: a failed commit deletes it, a crash before the commit is redone at the next start
                write(keyFile, issued.token().reveal());
                written[0] = true;
                return true;
            });
            if (created) {
                LOG.infof("bootstrap: created the first owner '%s' and workspace '%s'; their API key was written to %s (mode 0600)",
                        config.bootstrap().memberName(), config.bootstrap().workspaceId(), keyFile.toAbsolutePath());
            } else {
                LOG.debug("bootstrap skipped: members exist already");
            }
            return created;
        } catch (RuntimeException e) {
            if (written[0]) {
                try {
                    Files.deleteIfExists(keyFile);
                } catch (IOException ignored) {
                    // the key in it never became valid
                }
            }
            throw e;
        }
    }

    private static void write(Path file, String secret) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, ".bootstrap-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, secret + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the bootstrap API key to " + file, e);
        }
    }
}
