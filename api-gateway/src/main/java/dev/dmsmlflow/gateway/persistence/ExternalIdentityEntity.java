package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** A member as an external identity provider knows them (OIDC issuer and subject). */
@Entity
@Table(name = "external_identities")
@IdClass(ExternalIdentityEntity.Key.class)
public class ExternalIdentityEntity {

    @Id
    public String issuer;

    @Id
    public String subject;

    @Column(name = "member_id", nullable = false)
    public String memberId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** Primary key: (issuer, subject). */
    public static class Key implements Serializable {
        public String issuer;
        public String subject;

        public Key() {
        }

        public Key(String issuer, String subject) {
            this.issuer = issuer;
            this.subject = subject;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(issuer, k.issuer) && Objects.equals(subject, k.subject);
        }

        @Override
        public int hashCode() {
            return Objects.hash(issuer, subject);
        }
    }
}
