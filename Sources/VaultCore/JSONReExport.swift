// The JSON model is part of the vault core's API: every module that imports VaultCore sees it.
@_exported public import VaultJSON
