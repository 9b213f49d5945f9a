package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Memberships;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.persistence.ApiKeyRepository;
import dev.dmsmlflow.gateway.persistence.MemberEntity;
import dev.dmsmlflow.gateway.persistence.MemberRepository;
import dev.dmsmlflow.gateway.persistence.MembershipEntity;
import dev.dmsmlflow.gateway.persistence.MembershipRepository;
import dev.dmsmlflow.gateway.persistence.WorkspaceEntity;
import dev.dmsmlflow.gateway.persistence.WorkspaceRepository;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/** Workspaces and their members. Member changes of one workspace run one at a time (the workspace row is locked). */
@ApplicationScoped
public class Workspaces {

    /** A workspace with the caller's role in it. */
    public record WorkspaceWithRole(WorkspaceEntity workspace, Role role) {
    }

    /** A member as part of a workspace. */
    public record Member(MemberEntity member, MembershipEntity membership) {
    }

    /** The caller and the workspaces its key reaches. */
    public record Me(MemberEntity member, List<WorkspaceWithRole> workspaces) {
    }

    private final WorkspaceRepository workspaces;
    private final MembershipRepository memberships;
    private final MemberRepository members;
    private final ApiKeyRepository keys;
    private final AccessDirectory directory;
    private final AfterCommit afterCommit;
    private final BrowserTokens browserTokens;
    private final SecureRandom random = new SecureRandom();

    Workspaces(WorkspaceRepository workspaces, MembershipRepository memberships, MemberRepository members, ApiKeyRepository keys,
               AccessDirectory directory, AfterCommit afterCommit, BrowserTokens browserTokens) {
        this.browserTokens = browserTokens;
        this.workspaces = workspaces;
        this.memberships = memberships;
        this.members = members;
        this.keys = keys;
        this.directory = directory;
        this.afterCommit = afterCommit;
    }

    @Transactional
    public Me me(Caller caller) {
        MemberEntity member = members.findById(caller.memberId());
        List<WorkspaceWithRole> reachable = workspaces.pageOfMember(caller.memberId(), caller.keyWorkspaceId(), null, 1000).stream()
                .map(row -> new WorkspaceWithRole((WorkspaceEntity) row[0], Role.fromWire((String) row[1]))).toList();
        return new Me(member, reachable);
    }

    /** A new workspace, the caller its owner. A workspace-scoped key cannot create one (403). */
    @Transactional
    public WorkspaceWithRole create(Caller caller, String name) {
        if (caller.scoped()) {
            throw new ProblemException(Problem.of("forbidden", "Forbidden", 403,
                    "This API key is scoped to workspace '" + caller.keyWorkspaceId() + "'; creating workspaces needs an unscoped key.",
                    null).withCode("KEY_SCOPED"));
        }
        return new WorkspaceWithRole(create(Ids.workspace(random), name, caller.memberId()), Role.OWNER);
    }

    /** Creates a workspace owned by {@code ownerId} (also used by the bootstrap). Runs in the caller's transaction. */
    public WorkspaceEntity create(String id, String name, String ownerId) {
        Instant now = Instant.now();
        WorkspaceEntity w = new WorkspaceEntity();
        w.id = id;
        w.name = name;
        w.createdBy = ownerId;
        w.createdAt = now;
        w.updatedAt = now;
        workspaces.persist(w);
        MembershipEntity m = new MembershipEntity();
        m.workspaceId = id;
        m.memberId = ownerId;
        m.role = Role.OWNER.wire();
        m.addedAt = now;
        memberships.persist(m);
        afterCommit.run(() -> directory.forgetRole(ownerId, id));
        return w;
    }

    @Transactional
    public List<WorkspaceWithRole> list(Caller caller, String afterId, int limit) {
        return workspaces.pageOfMember(caller.memberId(), caller.keyWorkspaceId(), afterId, limit).stream()
                .map(row -> new WorkspaceWithRole((WorkspaceEntity) row[0], Role.fromWire((String) row[1]))).toList();
    }

    @Transactional
    public WorkspaceWithRole get(Access access) {
        return new WorkspaceWithRole(existing(access.workspaceId()), access.role());
    }

    @Transactional
    public WorkspaceWithRole rename(Access owner, String name) {
        WorkspaceEntity w = workspaces.lock(owner.workspaceId()).orElseThrow(() -> Authorizer.workspaceNotFound(owner.workspaceId()));
        w.name = name;
        w.updatedAt = Instant.now();
        return new WorkspaceWithRole(w, owner.role());
    }

    @Transactional
    public List<Member> members(Access access, String afterMemberId, int limit) {
        return memberships.page(access.workspaceId(), afterMemberId, limit).stream()
                .map(row -> new Member((MemberEntity) row[1], (MembershipEntity) row[0])).toList();
    }

    /** Adds an existing member (by id) or a new one (by display name) with a role. */
    @Transactional
    public Member add(Access owner, String memberId, String displayName, Role role) {
        if ((memberId == null) == (displayName == null)) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                    "Give either 'memberId' (an existing member) or 'displayName' (a new member), not both.",
                    memberId == null ? "memberId" : "displayName").withCode("ONE_OF"));
        }
        lock(owner.workspaceId());
        MemberEntity member;
        if (memberId != null) {
            member = members.findById(memberId);
            if (member == null) {
                throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                        "No member '" + memberId + "'.", "memberId").withCode("UNKNOWN_MEMBER"));
            }
            if (memberships.find(owner.workspaceId(), memberId).isPresent()) {
                throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409,
                        "'" + memberId + "' is already a member of workspace '" + owner.workspaceId() + "'.", "memberId")
                        .withCode("ALREADY_MEMBER"));
            }
        } else {
            member = newMember(displayName);
        }
        MembershipEntity m = new MembershipEntity();
        m.workspaceId = owner.workspaceId();
        m.memberId = member.id;
        m.role = role.wire();
        m.addedAt = Instant.now();
        memberships.persist(m);
        String id = member.id;
        afterCommit.run(() -> directory.forgetRole(id, owner.workspaceId()));
        return new Member(member, m);
    }

    /** A new member (a user without a workspace yet). Runs in the caller's transaction. */
    public MemberEntity newMember(String displayName) {
        MemberEntity member = new MemberEntity();
        member.id = Ids.member(random);
        member.displayName = displayName;
        member.createdAt = Instant.now();
        members.persist(member);
        return member;
    }

    @Transactional
    public Member changeRole(Access owner, String memberId, Role role) {
        lock(owner.workspaceId());
        MembershipEntity m = membership(owner.workspaceId(), memberId);
        Role before = Role.fromWire(m.role);
        Memberships.ensureAnOwnerRemains(before, role, memberships.countOwners(owner.workspaceId()));
        m.role = role.wire();
        if (before != role) {
            browserTokens.requestAfterRoleChange(owner, memberId, role);
        }
        afterCommit.run(() -> directory.forgetRole(memberId, owner.workspaceId()));
        return new Member(members.findById(memberId), m);
    }

    /** Removes a member; their keys scoped to this workspace are revoked with it. */
    @Transactional
    public void remove(Access owner, String memberId) {
        lock(owner.workspaceId());
        MembershipEntity m = membership(owner.workspaceId(), memberId);
        Memberships.ensureAnOwnerRemains(Role.fromWire(m.role), null, memberships.countOwners(owner.workspaceId()));
        memberships.delete(m);
        browserTokens.requestAfterRoleChange(owner, memberId, null);
        List<String> revoked = keys.revokeScoped(memberId, owner.workspaceId(), Instant.now());
        afterCommit.run(() -> {
            directory.forgetRole(memberId, owner.workspaceId());
            revoked.forEach(directory::forgetKey);
        });
    }

    private MembershipEntity membership(String workspaceId, String memberId) {
        return memberships.find(workspaceId, memberId).orElseThrow(() ->
                ProblemException.notFound("No member '" + memberId + "' in workspace '" + workspaceId + "'."));
    }

    private void lock(String workspaceId) {
        workspaces.lock(workspaceId).orElseThrow(() -> Authorizer.workspaceNotFound(workspaceId));
    }

    private WorkspaceEntity existing(String workspaceId) {
        WorkspaceEntity w = workspaces.findById(workspaceId);
        if (w == null) {
            throw Authorizer.workspaceNotFound(workspaceId);
        }
        return w;
    }
}
