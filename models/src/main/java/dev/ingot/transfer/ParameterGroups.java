package dev.ingot.transfer;

import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Parameter;
import dev.ingot.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two parameter groups, PyTorch's {@code optim.Adam([{"params": head}, {"params": backbone, "lr": lr / 10}])}:
 * parameters whose names start with {@code headPrefix} step with the head's optimizer, all others
 * with the backbone's (typically the same algorithm at a lower learning rate). Each optimizer keeps
 * state only for the parameters it is given.
 */
public final class ParameterGroups implements Optimizer {
    private final String headPrefix;
    private final Optimizer head;
    private final Optimizer backbone;
    private final List<Parameter> headParams = new ArrayList<>();
    private final List<Parameter> backboneParams = new ArrayList<>();

    public ParameterGroups(String headPrefix, Optimizer head, Optimizer backbone) {
        this.headPrefix = headPrefix;
        this.head = head;
        this.backbone = backbone;
    }

    @Override
    public void step(List<Parameter> parameters) {
        split(parameters);
        head.step(headParams);
        if (!backboneParams.isEmpty()) {
            backbone.step(backboneParams);
        }
    }

    /** Reuses two lists so that a training step allocates nothing here. */
    private void split(List<Parameter> parameters) {
        headParams.clear();
        backboneParams.clear();
        for (Parameter p : parameters) {
            (p.name().startsWith(headPrefix) ? headParams : backboneParams).add(p);
        }
    }

    @Override
    public long steps() {
        return head.steps();
    }

    @Override
    public void restoreSteps(long steps) {
        head.restoreSteps(steps);
        backbone.restoreSteps(steps);
    }

    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        split(parameters);
        Map<String, Tensor> out = new LinkedHashMap<>(head.state(headParams));
        out.putAll(backbone.state(backboneParams));
        return out;
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> out = new LinkedHashMap<>();
        head.config().forEach((k, v) -> out.put("head." + k, v));
        backbone.config().forEach((k, v) -> out.put("backbone." + k, v));
        out.put("head_prefix", headPrefix);
        return out;
    }

    @Override
    public void close() {
        head.close();
        backbone.close();
    }
}
