package dev.dmsmlflow.gateway.application;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.persistence.ExternalIdentityEntity;
import dev.dmsmlflow.gateway.persistence.ExternalIdentityRepository;
import dev.dmsmlflow.gateway.persistence.MemberEntity;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * Maps an identity of the external identity provider (OIDC issuer + subject) to a member: the first sign-in creates
 * the member (no workspace yet: an owner adds them by member id), later ones find it.
 */
@ApplicationScoped
public class ExternalIdentities {

    private static final Logger LOG = Logger.getLogger(ExternalIdentities.class);

    private final ExternalIdentityRepository identities;
    private final Workspaces workspaces;
    private final EntityManager em;
    private final Cache<String, String> members;

    ExternalIdentities(ExternalIdentityRepository identities, Workspaces workspaces, EntityManager em, GatewayConfig config) {
        this.identities = identities;
        this.workspaces = workspaces;
        this.em = em;
        this.members = Caffeine.newBuilder().maximumSize(config.auth().cacheSize()).build();
    }

    /** The cached member of an identity, or null (then {@link #memberFor}). */
    public String cached(String issuer, String subject) {
        return members.getIfPresent(issuer + '\u0000' + subject);
    }

    /** The member of this identity, created on its first sign-in. Blocking. */
    public String memberFor(String issuer, String subject, String displayName) {
        String memberId = QuarkusTransaction.requiringNew().call(() -> {
            // one first sign-in per identity even when two arrive at once
            AdvisoryLocks.lockUntilCommit(em, "external-identity", issuer + ' ' + subject);
            ExternalIdentityEntity known = identities.findById(new ExternalIdentityEntity.Key(issuer, subject));
            if (known != null) {
                return known.memberId;
            }
            MemberEntity member = workspaces.newMember(displayName);
            ExternalIdentityEntity link = new ExternalIdentityEntity();
            link.issuer = issuer;
            link.subject = subject;
            link.memberId = member.id;
            link.createdAt = Instant.now();
            identities.persist(link);
            LOG.infof("first sign-in of %s at %s: member %s", subject, issuer, member.id);
            return member.id;
        });
        members.put(issuer + '\u0000' + subject, memberId);
        return memberId;
    }
}
