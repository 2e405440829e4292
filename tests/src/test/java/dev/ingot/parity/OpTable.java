package dev.ingot.parity;

import java.util.ArrayList;
import java.util.List;

/**
 * Every kernel the generic suites check, one {@link OpInfo} record each, grouped by family (one
 * class per family holds the records and the shape cases they share). A new kernel is a new record
 * in its family's list; a new family is one more line here.
 */
public final class OpTable {
    private OpTable() {
    }

    public static List<OpInfo<?>> all() {
        List<OpInfo<?>> all = new ArrayList<>();
        all.addAll(ConvOps.records());
        all.addAll(PoolOps.records());
        all.addAll(ActivationOps.records());
        all.addAll(LossOps.records());
        all.addAll(GemmOps.records());
        all.addAll(ElementwiseOps.records());
        all.addAll(DropoutOps.records());
        all.addAll(OptimizerOps.records());
        all.addAll(NormalizationOps.records());
        all.addAll(ImageOps.records());
        return all;
    }
}
