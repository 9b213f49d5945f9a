package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** Members. */
@ApplicationScoped
public class MemberRepository implements PanacheRepositoryBase<MemberEntity, String> {
}
