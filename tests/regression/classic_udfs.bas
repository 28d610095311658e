Function HL_BREAKEVEN_BTC_PRICE(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_BTC_PRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_BTC_PRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_BTC_PRICE = Err.Description
End Function

Function HL_BREAKEVEN_BTC_PRICE_POST_HALVING(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_BTC_PRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE_POST_HALVING", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_BTC_PRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE_POST_HALVING", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_BTC_PRICE_POST_HALVING = Err.Description
End Function

Function HL_BREAKEVEN_BTC_PRICE_VS_LEASE(market_assumptions, mining_assumptions, lease_assumptions, Optional discount_rate_per_year_frac, Optional horizon_months)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_BTC_PRICE_VS_LEASE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE_VS_LEASE", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_BTC_PRICE_VS_LEASE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_BTC_PRICE_VS_LEASE", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_BTC_PRICE_VS_LEASE = Err.Description
End Function

Function HL_BREAKEVEN_EFFICIENCY(hashprice_usd_per_ph_day, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_EFFICIENCY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_EFFICIENCY", Array(hashprice_usd_per_ph_day, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_EFFICIENCY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_EFFICIENCY", Array(hashprice_usd_per_ph_day, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_EFFICIENCY = Err.Description
End Function

Function HL_BREAKEVEN_EFFICIENCY_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_EFFICIENCY_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_EFFICIENCY_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_EFFICIENCY_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_EFFICIENCY_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_EFFICIENCY_POST_HALVING = Err.Description
End Function

Function HL_BREAKEVEN_POWER_PRICE(hashprice_usd_per_ph_day, efficiency_j_per_th, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_POWER_PRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_POWER_PRICE", Array(hashprice_usd_per_ph_day, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_POWER_PRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_POWER_PRICE", Array(hashprice_usd_per_ph_day, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_POWER_PRICE = Err.Description
End Function

Function HL_BREAKEVEN_POWER_PRICE_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_POWER_PRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_POWER_PRICE_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_POWER_PRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_POWER_PRICE_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_POWER_PRICE_POST_HALVING = Err.Description
End Function

Function HL_BREAKEVEN_RENT_VS_MINING(market_assumptions, mining_assumptions, lease_assumptions, Optional discount_rate_per_year_frac, Optional horizon_months)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_BREAKEVEN_RENT_VS_MINING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_RENT_VS_MINING", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_BREAKEVEN_RENT_VS_MINING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_BREAKEVEN_RENT_VS_MINING", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months))
        Exit Function
    #End If
failed:
    HL_BREAKEVEN_RENT_VS_MINING = Err.Description
End Function

Function HL_COST_TO_MINE(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_COST_TO_MINE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_COST_TO_MINE", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_COST_TO_MINE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_COST_TO_MINE", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_COST_TO_MINE = Err.Description
End Function

Function HL_COST_TO_MINE_POST_HALVING(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, Optional uptime_frac, Optional pool_fee_frac, Optional pue, Optional other_cash_cost_usd_per_ph_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_COST_TO_MINE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_COST_TO_MINE_POST_HALVING", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_COST_TO_MINE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_COST_TO_MINE_POST_HALVING", Array(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day))
        Exit Function
    #End If
failed:
    HL_COST_TO_MINE_POST_HALVING = Err.Description
End Function

Function HL_CURTAILMENT(timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, Optional credit_usd_per_mwh_curtailed, Optional rows)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_CURTAILMENT = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_CURTAILMENT", Array(timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, credit_usd_per_mwh_curtailed, rows), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_CURTAILMENT = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_CURTAILMENT", Array(timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, credit_usd_per_mwh_curtailed, rows))
        Exit Function
    #End If
failed:
    HL_CURTAILMENT = Err.Description
End Function

Function HL_HALVING_DATE(block_height, as_of_date, Optional mean_block_interval_s)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HALVING_DATE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HALVING_DATE", Array(block_height, as_of_date, mean_block_interval_s), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HALVING_DATE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HALVING_DATE", Array(block_height, as_of_date, mean_block_interval_s))
        Exit Function
    #End If
failed:
    HL_HALVING_DATE = Err.Description
End Function

Function HL_HASHCOST(efficiency_j_per_th, power_price_usd_per_kwh, Optional unit, Optional uptime_frac, Optional pue)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HASHCOST = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHCOST", Array(efficiency_j_per_th, power_price_usd_per_kwh, unit, uptime_frac, pue), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HASHCOST = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHCOST", Array(efficiency_j_per_th, power_price_usd_per_kwh, unit, uptime_frac, pue))
        Exit Function
    #End If
failed:
    HL_HASHCOST = Err.Description
End Function

Function HL_HASHPRICE(difficulty, btc_price_usd, fees_btc_per_block, block_height, Optional unit)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HASHPRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HASHPRICE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit))
        Exit Function
    #End If
failed:
    HL_HASHPRICE = Err.Description
End Function

Function HL_HASHPRICE_BTC(difficulty, fees_btc_per_block, block_height, Optional unit)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HASHPRICE_BTC = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_BTC", Array(difficulty, fees_btc_per_block, block_height, unit), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HASHPRICE_BTC = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_BTC", Array(difficulty, fees_btc_per_block, block_height, unit))
        Exit Function
    #End If
failed:
    HL_HASHPRICE_BTC = Err.Description
End Function

Function HL_HASHPRICE_PATH(market_assumptions, Optional rows)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HASHPRICE_PATH = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_PATH", Array(market_assumptions, rows), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HASHPRICE_PATH = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_PATH", Array(market_assumptions, rows))
        Exit Function
    #End If
failed:
    HL_HASHPRICE_PATH = Err.Description
End Function

Function HL_HASHPRICE_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, Optional unit)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_HASHPRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_HASHPRICE_POST_HALVING = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_HASHPRICE_POST_HALVING", Array(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit))
        Exit Function
    #End If
failed:
    HL_HASHPRICE_POST_HALVING = Err.Description
End Function

Function HL_LEASE_IRR(lease_assumptions, Optional levered)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_LEASE_IRR = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_IRR", Array(lease_assumptions, levered), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_LEASE_IRR = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_IRR", Array(lease_assumptions, levered))
        Exit Function
    #End If
failed:
    HL_LEASE_IRR = Err.Description
End Function

Function HL_LEASE_NPV(lease_assumptions, Optional levered)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_LEASE_NPV = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_NPV", Array(lease_assumptions, levered), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_LEASE_NPV = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_NPV", Array(lease_assumptions, levered))
        Exit Function
    #End If
failed:
    HL_LEASE_NPV = Err.Description
End Function

Function HL_LEASE_PAYBACK(lease_assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_LEASE_PAYBACK = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_PAYBACK", Array(lease_assumptions), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_LEASE_PAYBACK = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_PAYBACK", Array(lease_assumptions))
        Exit Function
    #End If
failed:
    HL_LEASE_PAYBACK = Err.Description
End Function

Function HL_LEASE_SCHEDULE(lease_assumptions, Optional rows)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_LEASE_SCHEDULE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_SCHEDULE", Array(lease_assumptions, rows), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_LEASE_SCHEDULE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_SCHEDULE", Array(lease_assumptions, rows))
        Exit Function
    #End If
failed:
    HL_LEASE_SCHEDULE = Err.Description
End Function

Function HL_LEASE_SUMMARY(lease_assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_LEASE_SUMMARY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_SUMMARY", Array(lease_assumptions), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_LEASE_SUMMARY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_LEASE_SUMMARY", Array(lease_assumptions))
        Exit Function
    #End If
failed:
    HL_LEASE_SUMMARY = Err.Description
End Function

Function HL_MINING_MARGIN_PER_MW_DAY(hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, Optional pue, Optional uptime_frac, Optional pool_fee_frac, Optional other_cash_cost_usd_per_mw_day)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_MINING_MARGIN_PER_MW_DAY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_MINING_MARGIN_PER_MW_DAY", Array(hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue, uptime_frac, pool_fee_frac, other_cash_cost_usd_per_mw_day), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_MINING_MARGIN_PER_MW_DAY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_MINING_MARGIN_PER_MW_DAY", Array(hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue, uptime_frac, pool_fee_frac, other_cash_cost_usd_per_mw_day))
        Exit Function
    #End If
failed:
    HL_MINING_MARGIN_PER_MW_DAY = Err.Description
End Function

Function HL_NETWORK_HASHRATE(difficulty, Optional unit)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_NETWORK_HASHRATE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_NETWORK_HASHRATE", Array(difficulty, unit), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_NETWORK_HASHRATE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_NETWORK_HASHRATE", Array(difficulty, unit))
        Exit Function
    #End If
failed:
    HL_NETWORK_HASHRATE = Err.Description
End Function

Function HL_NEXT_HALVING_HEIGHT(block_height)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_NEXT_HALVING_HEIGHT = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_NEXT_HALVING_HEIGHT", Array(block_height), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_NEXT_HALVING_HEIGHT = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_NEXT_HALVING_HEIGHT", Array(block_height))
        Exit Function
    #End If
failed:
    HL_NEXT_HALVING_HEIGHT = Err.Description
End Function

Function HL_PHASED_COMPARE(market_assumptions, mining_assumptions, lease_assumptions, phases, Optional discount_rate_per_year_frac, Optional displaced_fleet)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_PHASED_COMPARE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_COMPARE", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_PHASED_COMPARE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_COMPARE", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet))
        Exit Function
    #End If
failed:
    HL_PHASED_COMPARE = Err.Description
End Function

Function HL_PHASED_NPV(market_assumptions, mining_assumptions, lease_assumptions, phases, Optional discount_rate_per_year_frac, Optional displaced_fleet)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_PHASED_NPV = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_NPV", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_PHASED_NPV = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_NPV", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet))
        Exit Function
    #End If
failed:
    HL_PHASED_NPV = Err.Description
End Function

Function HL_PHASED_SCHEDULE(market_assumptions, mining_assumptions, lease_assumptions, phases, Optional discount_rate_per_year_frac, Optional displaced_fleet, Optional rows)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_PHASED_SCHEDULE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_SCHEDULE", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet, rows), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_PHASED_SCHEDULE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_PHASED_SCHEDULE", Array(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet, rows))
        Exit Function
    #End If
failed:
    HL_PHASED_SCHEDULE = Err.Description
End Function

Function HL_SENSITIVITY(market_assumptions, mining_assumptions, lease_assumptions, row_input, row_values, column_input, column_values, Optional discount_rate_per_year_frac, Optional horizon_months)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_SENSITIVITY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SENSITIVITY", Array(market_assumptions, mining_assumptions, lease_assumptions, row_input, row_values, column_input, column_values, discount_rate_per_year_frac, horizon_months), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_SENSITIVITY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SENSITIVITY", Array(market_assumptions, mining_assumptions, lease_assumptions, row_input, row_values, column_input, column_values, discount_rate_per_year_frac, horizon_months))
        Exit Function
    #End If
failed:
    HL_SENSITIVITY = Err.Description
End Function

Function HL_SITE_CASH(market_assumptions, mining_assumptions, lease_assumptions, Optional discount_rate_per_year_frac, Optional horizon_months, Optional rows)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_SITE_CASH = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SITE_CASH", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months, rows), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_SITE_CASH = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SITE_CASH", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months, rows))
        Exit Function
    #End If
failed:
    HL_SITE_CASH = Err.Description
End Function

Function HL_SITE_COMPARE(market_assumptions, mining_assumptions, lease_assumptions, Optional discount_rate_per_year_frac, Optional horizon_months)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_SITE_COMPARE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SITE_COMPARE", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_SITE_COMPARE = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SITE_COMPARE", Array(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months))
        Exit Function
    #End If
failed:
    HL_SITE_COMPARE = Err.Description
End Function

Function HL_SUBSIDY(block_height)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_SUBSIDY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SUBSIDY", Array(block_height), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_SUBSIDY = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_SUBSIDY", Array(block_height))
        Exit Function
    #End If
failed:
    HL_SUBSIDY = Err.Description
End Function

Function HL_TH_PER_MW(efficiency_j_per_th, Optional pue)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        HL_TH_PER_MW = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_TH_PER_MW", Array(efficiency_j_per_th, pue), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        HL_TH_PER_MW = XLPy.CallUDF("hashlease.addin._generated.classic", "HL_TH_PER_MW", Array(efficiency_j_per_th, pue))
        Exit Function
    #End If
failed:
    HL_TH_PER_MW = Err.Description
End Function

