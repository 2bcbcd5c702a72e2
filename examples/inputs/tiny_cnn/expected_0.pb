
BprobabilitiesJ(ú@ =*dø=&âj>±ýq=ÉÆ[=¾ãˆ<‰±\=Í£6>wß„=Ãý>