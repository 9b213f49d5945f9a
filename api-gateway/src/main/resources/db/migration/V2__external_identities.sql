-- Members known by an external identity provider (OIDC): issuer + subject → member.
CREATE TABLE external_identities (
    issuer     varchar(512) NOT NULL,
    subject    varchar(255) NOT NULL,
    member_id  varchar(40)  NOT NULL REFERENCES members (id),
    created_at timestamptz  NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX external_identities_by_member ON external_identities (member_id);
