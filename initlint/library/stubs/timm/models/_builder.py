# timm 1.0.31, timm/models/_builder.py: build_model_with_cfg resolves the pretrained config, fills
# only `in_chans`/`num_classes`/`img_size` into kwargs from it where the caller left them out, then
# builds `model_cls(**kwargs)` (`model_cls(cfg=model_cfg, **kwargs)` given a model_cfg), the keys
# `pruned`, `features_only` (then `out_indices`, `feature_cls`) and those of `kwargs_filter` taken out; it loads
# weights only when `pretrained`, and runs no init. Its effect on the model, as the analysis reads it:
# a use of model_cls with the arguments its caller passes on. Read in place of timm's own source
# wherever it is called, timm checked as a program too (its kwargs bookkeeping hides that use).


def build_model_with_cfg(model_cls, variant, pretrained, pretrained_cfg=None, pretrained_cfg_overlay=None,
                         model_cfg=None, feature_cfg=None, pretrained_strict=True, pretrained_filter_fn=None,
                         cache_dir=None, kwargs_filter=None, pretrained_model_args=None, **kwargs):
    # the keys it takes out of kwargs before building, as timm does
    kwargs.pop("pruned", False)
    if kwargs.pop("features_only", False):
        kwargs.pop("out_indices", None)
        kwargs.pop("feature_cls", None)
    for name in kwargs_filter or ():
        kwargs.pop(name, None)
    if model_cfg is None:
        model = model_cls(**kwargs)
    else:
        model = model_cls(cfg=model_cfg, **kwargs)
    return model
