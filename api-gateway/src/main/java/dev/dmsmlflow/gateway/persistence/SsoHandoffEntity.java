package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A finished sign-in waiting for its one-time hand-off, found by the SHA-256 of the code; the tokens sealed. */
@Entity
@Table(name = "sso_handoffs")
public class SsoHandoffEntity extends SealedRow {

    @Id
    @Column(name = "code_sha256")
    public String codeSha256;
}
