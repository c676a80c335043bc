"""The VAT return (momsdeklaration): which box each Visma VAT code lands in (`boxes`), and the
books' return compared with what Visma holds (`reconcile`). The return itself is the mart
`marts.vat_return_monthly` (`ornd_visma/marts/vat_return.py`)."""
