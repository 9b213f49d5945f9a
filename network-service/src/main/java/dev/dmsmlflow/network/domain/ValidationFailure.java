package dev.dmsmlflow.network.domain;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;

/** Why a requested network is not acceptable: the request field at fault, a reason code and a message for people. */
public record ValidationFailure(String field, NetworkFailureCode code, String message) {
}
