package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** Browser-token revocations still to do. */
@ApplicationScoped
public class BrowserTokenRevocationRepository implements PanacheRepositoryBase<BrowserTokenRevocationEntity, Long> {
}
