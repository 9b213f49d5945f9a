package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A sign-in sent to the identity provider, found by the SHA-256 of its state; the verifier and nonce sealed. */
@Entity
@Table(name = "sso_flows")
public class SsoFlowEntity extends SealedRow {

    @Id
    @Column(name = "state_sha256")
    public String stateSha256;

    @Column(name = "redirect_uri", nullable = false)
    public String redirectUri;
}
