package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** External identities of members. */
@ApplicationScoped
public class ExternalIdentityRepository implements PanacheRepositoryBase<ExternalIdentityEntity, ExternalIdentityEntity.Key> {
}
