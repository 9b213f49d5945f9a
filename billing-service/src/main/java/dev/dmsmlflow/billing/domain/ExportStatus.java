package dev.dmsmlflow.billing.domain;

/** Where a billing export is. */
public enum ExportStatus { REQUESTED, RUNNING, COMPLETED, FAILED }
