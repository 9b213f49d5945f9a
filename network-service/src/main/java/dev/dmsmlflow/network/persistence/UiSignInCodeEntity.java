package dev.dmsmlflow.network.persistence;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A one-time UI sign-in code (table {@code ui_sign_in_code}), stored by its SHA-256; {@code usedAt} spends it. */
@Entity
@Table(name = "ui_sign_in_code")
public class UiSignInCodeEntity {
    @Id
    public String codeHash;
    public String instanceId;
    public String workspaceId;
    public String memberId;
    public String scope;
    public Instant createdAt;
    public Instant expiresAt;
    public Instant usedAt;
}
