package dev.dmsmlflow.billing.domain;

/** A workspace's billing period: open (charges land in it) or closed (its statement is final). */
public enum PeriodStatus { OPEN, CLOSED }
