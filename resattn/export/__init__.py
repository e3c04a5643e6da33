"""Export: standalone PyTorch code, ONNX, spec files and share tokens (docs/design.md §3).

`python_code.export_python`, `onnx.export_onnx`, `share.share_token` / `load_token` /
`spec_json`, and `fold_bn.fold_batchnorm` for inference. Modules load lazily: importing this
package imports nothing heavy.
"""
